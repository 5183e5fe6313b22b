import { transposeMultiply, type Matrix } from '../linalg/matrix';
import type { ConversionMatrices } from './condLora';

/** Cross-layer similarity of one module type's conversion matrices (CondLoRA's observation). */
export interface ConversionSimilarity {
  /** Module names in depth order (the caller's order). */
  readonly names: readonly string[];
  /**
   * L×L, column-major: cos(K_i, K_j) = ⟨K_i, K_j⟩_F / (‖K_i‖_F·‖K_j‖_F) with K = C_B·C_Aᵀ
   * (n×m; equal to W0⁺·ΔW·W0⁺ when W0⁺ is exact). Signed: 1 = the same conversion, −1 its negative.
   */
  readonly cosines: Matrix;
  /** Mean of |cos| over pairs i < j (NaN for a single layer). */
  readonly meanAbsOffDiagonal: number;
  /**
   * The random baseline: √E[cos²] = 1/√(n·m) for two independent random K (see `randomCosineRms`),
   * what |cos| is at chance.
   */
  readonly baselineRms: number;
}

/**
 * Layers' K = C_B·C_Aᵀ compared without forming any K: ⟨P1·Q1ᵀ, P2·Q2ᵀ⟩_F = tr((P1ᵀP2)·(Q2ᵀQ1)),
 * r1×r2 products only. K is the gauge-free form of the pair (C_B, C_A): (B·R, R⁻¹·A) leaves it
 * unchanged (C_B → C_B·R, C_A → C_A·R⁻ᵀ), where the factors' own cosines would move with each
 * layer's arbitrary R. All entries must share one shape (one module type).
 */
export function conversionSimilarity(names: readonly string[], conversions: readonly ConversionMatrices[]): ConversionSimilarity {
  const L = conversions.length;
  if (L === 0) throw new RangeError('no layers');
  const [n, m] = [conversions[0].CB.rows, conversions[0].CA.rows];
  if (conversions.some((c) => c.CB.rows !== n || c.CA.rows !== m)) throw new RangeError('conversion matrices of different shapes');
  const norms = conversions.map((c) => Math.sqrt(Math.max(0, inner(c, c))));
  const data = new Float64Array(L * L);
  let sum = 0;
  for (let i = 0; i < L; i++) {
    data[i * L + i] = norms[i] > 0 ? 1 : 0;
    for (let j = i + 1; j < L; j++) {
      const c = norms[i] > 0 && norms[j] > 0 ? inner(conversions[i], conversions[j]) / (norms[i] * norms[j]) : 0;
      const clamped = Math.max(-1, Math.min(1, c));
      data[j * L + i] = clamped;
      data[i * L + j] = clamped;
      sum += Math.abs(clamped);
    }
  }
  return { names, cosines: { rows: L, cols: L, data }, meanAbsOffDiagonal: L > 1 ? sum / ((L * (L - 1)) / 2) : NaN, baselineRms: randomCosineRms(n * m) };
}

/**
 * √E[cos²(K1, K2)] for independent random K1, K2 ∈ R^{n×m} with N = n·m, when either one's law
 * is invariant under K → O1·K·O2 (orthogonal O1, O2; true of C_B·C_Aᵀ with Gaussian factors of
 * any rank): E[vec(K2)vec(K2)ᵀ]/‖K2‖² commutes with every O1⊗O2, an irreducible action, so
 * it is I/N and E[cos²] = 1/N. Checked by Monte Carlo in the tests.
 */
export function randomCosineRms(N: number): number {
  return 1 / Math.sqrt(N);
}

/** ⟨K1, K2⟩_F = tr((C_B1ᵀ·C_B2)·(C_A2ᵀ·C_A1)). */
function inner(a: ConversionMatrices, b: ConversionMatrices): number {
  const P = transposeMultiply(a.CB, b.CB);
  const Q = transposeMultiply(b.CA, a.CA);
  // tr(P·Q) = Σ_ij P_ij·Q_ji; P is r1×r2, Q r2×r1, column-major.
  let s = 0;
  for (let i = 0; i < P.rows; i++) for (let j = 0; j < P.cols; j++) s += P.data[j * P.rows + i] * Q.data[i * Q.rows + j];
  return s;
}
