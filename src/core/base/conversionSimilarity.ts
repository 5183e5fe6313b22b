import { denseSvd } from '../linalg/denseSvd';
import { transposeMultiply, type Matrix } from '../linalg/matrix';
import type { ConversionMatrices } from './condLora';

/** CondLoRA's layer × layer subspace similarity of one factor's conversion matrices. */
export interface PhiMap {
  /** L×L, symmetric, column-major: φ(i, j) (1 on the diagonal; NaN beside a zero conversion). */
  readonly map: Matrix;
  /** Mean of φ over pairs i < j (NaN pairs left out; NaN when none is left). */
  readonly mean: number;
  /**
   * The random-subspace baseline over the same pairs: E[φ] for independent uniformly random
   * subspaces of dimensions a, b in R^d is max(a, b)/d (E‖P_aᵀ·Q_b‖²_F = a·b/d) — what the paper's
   * random heat maps estimate by drawing Gaussian matrices of C's shape.
   */
  readonly random: number;
}

/** One conversion Θ fitted to all layers of a module type, and how well it reconstructs each. */
export interface SharedFit {
  /** Per layer: √((‖C_A,l − Θ_A‖² + ‖C_B,l − Θ_B‖²) / (‖C_A,l‖² + ‖C_B,l‖²)), Frobenius. */
  readonly relativeErrors: Float64Array;
  /** Per layer: ‖C_A,l − Θ_A‖_F / ‖C_A,l‖_F. */
  readonly relativeErrorsA: Float64Array;
  /** Per layer: ‖C_B,l − Θ_B‖_F / ‖C_B,l‖_F. */
  readonly relativeErrorsB: Float64Array;
}

export interface CondLoraGroup {
  /** Module names in depth order (the caller's order): rows and columns of the maps. */
  readonly names: readonly string[];
  readonly phiA: PhiMap;
  readonly phiB: PhiMap;
  readonly sharedFit: SharedFit;
}

/**
 * CondLoRA's analysis of one module type (Kim et al. 2024; its official code
 * CyberAgentAILab/CondLoRA, src/conversion_matrix_analysis.py, cal_phai and phai): for the
 * conversion matrices C_l of layers i and j, with U_i the left singular vectors of C_i,
 *   φ(i, j) = ‖U_i[:, :a]ᵀ·U_j[:, :b]‖²_F / min(a, b)
 * — the subspace similarity of Hu et al. (2022, LoRA) applied to conversion matrices. Here
 * a and b are the conversions' full numerical ranks (r for a trained factor): the whole column
 * space of C. That choice makes φ independent of the stored factors' gauge (B·R, R⁻¹·A moves C to
 * C·R, same span) and of any scale; a prefix of fewer singular vectors would not be.
 *
 * The shared fit is ours, the paper's headline made a number: one Θ per factor minimizing
 * Σ_l ‖C_l − Θ‖²_F (least squares across layers in conversion space, Θ = the mean C_l), and each
 * layer's relative distance from it. A CondLoRA adapter (B_l = W0_l·Θ_B, A_lᵀ = W0_l·Θ_A) gives
 * errors 0 up to the solve's rounding; layers with unrelated conversions give ≈ √(1 − 1/L).
 * All entries must share one shape (one module type, one r).
 */
export function condLoraGroup(names: readonly string[], conversions: readonly ConversionMatrices[]): CondLoraGroup {
  const L = conversions.length;
  if (L === 0 || names.length !== L) throw new RangeError('one name per layer, at least one layer');
  const [a0, b0] = [conversions[0].CA, conversions[0].CB];
  if (conversions.some((c) => c.CA.rows !== a0.rows || c.CA.cols !== a0.cols || c.CB.rows !== b0.rows || c.CB.cols !== b0.cols)) {
    throw new RangeError('conversion matrices of different shapes');
  }
  return {
    names,
    phiA: phiMap(conversions.map((c) => c.CA)),
    phiB: phiMap(conversions.map((c) => c.CB)),
    sharedFit: sharedFit(conversions),
  };
}

/** φ over all pairs of one factor's conversions (d×r each). */
export function phiMap(conversions: readonly Matrix[]): PhiMap {
  const L = conversions.length;
  const d = conversions[0].rows;
  const bases = conversions.map(columnSpace);
  const data = new Float64Array(L * L);
  let sum = 0;
  let count = 0;
  let random = 0;
  for (let i = 0; i < L; i++) {
    data[i * L + i] = bases[i].cols > 0 ? 1 : NaN;
    for (let j = i + 1; j < L; j++) {
      const [a, b] = [bases[i].cols, bases[j].cols];
      let phi = NaN;
      if (a > 0 && b > 0) {
        const P = transposeMultiply(bases[i], bases[j]);
        let s = 0;
        for (const x of P.data) s += x * x;
        phi = Math.min(1, s / Math.min(a, b));
        sum += phi;
        random += Math.max(a, b) / d;
        count++;
      }
      data[j * L + i] = phi;
      data[i * L + j] = phi;
    }
  }
  return { map: { rows: L, cols: L, data }, mean: count > 0 ? sum / count : NaN, random: count > 0 ? random / count : NaN };
}

/**
 * Orthonormal basis of C's column space: C's left singular vectors whose σ exceed
 * σ1·max(d, r)·ε (the usual numerical-rank tolerance); none for a zero C, nor for one with
 * non-finite entries (a singular W0: its φ is then NaN rather than a failed analysis).
 */
function columnSpace(C: Matrix): Matrix {
  if (!isFinite(C)) return { rows: C.rows, cols: 0, data: new Float64Array(0) };
  const svd = denseSvd(C);
  const U = svd.U;
  if (!U) throw new Error('denseSvd returned no vectors');
  const tol = (svd.values[0] ?? 0) * Math.max(C.rows, C.cols) * Number.EPSILON;
  let k = 0;
  while (k < svd.values.length && svd.values[k] > tol) k++;
  return { rows: U.rows, cols: k, data: U.data.slice(0, U.rows * k) };
}

/** Layers whose conversions are not finite (a singular W0) are left out of Θ and get NaN errors. */
function sharedFit(conversions: readonly ConversionMatrices[]): SharedFit {
  const L = conversions.length;
  const usable = conversions.filter((c) => isFinite(c.CA) && isFinite(c.CB));
  const mean = (pick: (c: ConversionMatrices) => Matrix) => {
    const out = new Float64Array(pick(conversions[0]).data.length);
    for (const c of usable) {
      const x = pick(c).data;
      for (let t = 0; t < out.length; t++) out[t] += x[t] / usable.length;
    }
    return out;
  };
  const thetaA = mean((c) => c.CA);
  const thetaB = mean((c) => c.CB);
  const relativeErrors = new Float64Array(L);
  const relativeErrorsA = new Float64Array(L);
  const relativeErrorsB = new Float64Array(L);
  conversions.forEach((c, l) => {
    if (!usable.includes(c)) {
      relativeErrors[l] = relativeErrorsA[l] = relativeErrorsB[l] = NaN;
      return;
    }
    const [dA, nA] = distance(c.CA.data, thetaA);
    const [dB, nB] = distance(c.CB.data, thetaB);
    relativeErrorsA[l] = nA > 0 ? Math.sqrt(dA / nA) : NaN;
    relativeErrorsB[l] = nB > 0 ? Math.sqrt(dB / nB) : NaN;
    relativeErrors[l] = nA + nB > 0 ? Math.sqrt((dA + dB) / (nA + nB)) : NaN;
  });
  return { relativeErrors, relativeErrorsA, relativeErrorsB };
}

function isFinite(C: Matrix): boolean {
  for (const x of C.data) if (!Number.isFinite(x)) return false;
  return true;
}

/** [‖x − y‖², ‖x‖²]. */
function distance(x: Float64Array, y: Float64Array): [number, number] {
  let d = 0;
  let n = 0;
  for (let t = 0; t < x.length; t++) {
    d += (x[t] - y[t]) ** 2;
    n += x[t] * x[t];
  }
  return [d, n];
}
