import { householderQR } from '../../linalg/householder';
import type { SeededRandom } from '../zoo/random';

/** An element R of GL(r) with its exact inverse, both r×r row-major. */
export interface GlElement {
  readonly r: number;
  readonly R: Float64Array;
  readonly inverse: Float64Array;
}

/** Diagonal magnitudes are e^u, u uniform in [−ln 2, ln 2]: cond(R) ≤ 4, far from singular. */
const LOG_SPREAD = Math.LN2;

/**
 * A random R = D·H₁·H₂: D diagonal with random signs and magnitudes in [1/2, 2], H₁, H₂
 * Householder reflections I − 2vvᵀ/vᵀv with Gaussian v. It is a general element of GL(r) (not
 * orthogonal: D scales directions unequally; negative determinant half the time), and its
 * inverse H₂·H₁·D⁻¹ is exact in closed form, so B·R and R⁻¹·A differ from a true
 * reparametrization only by rounding. For r = 1, R = ±e^u.
 */
export function randomGl(r: number, rng: SeededRandom): GlElement {
  const d = Float64Array.from({ length: r }, () => (rng.next() < 0.5 ? -1 : 1) * Math.exp(rng.uniform(-LOG_SPREAD, LOG_SPREAD)));
  const h1 = householder(r, rng);
  const h2 = householder(r, rng);
  const H = multiplySquare(h1, h2, r);
  const R = new Float64Array(r * r);
  for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) R[i * r + j] = d[i] * H[i * r + j];
  const Hinv = multiplySquare(h2, h1, r);
  const inverse = new Float64Array(r * r);
  for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) inverse[i * r + j] = Hinv[i * r + j] / d[j];
  return { r, R, inverse };
}

function householder(r: number, rng: SeededRandom): Float64Array {
  const v = rng.normals(r);
  const vv = v.reduce((s, x) => s + x * x, 0);
  const H = new Float64Array(r * r);
  for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) H[i * r + j] = (i === j ? 1 : 0) - (vv > 0 ? (2 * v[i] * v[j]) / vv : 0);
  return H;
}

function multiplySquare(a: Float64Array, b: Float64Array, r: number): Float64Array {
  const out = new Float64Array(r * r);
  for (let i = 0; i < r; i++) for (let k = 0; k < r; k++) for (let j = 0; j < r; j++) out[i * r + j] += a[i * r + k] * b[k * r + j];
  return out;
}

/**
 * (B, A) → (B·R, R⁻¹·A) for B m×r and A r×n, row-major as PEFT stores them. ΔW = B·A is
 * unchanged (up to rounding); every entry of B and A moves.
 */
export function reparametrize(B: Float64Array, A: Float64Array, m: number, n: number, g: GlElement): { B: Float64Array; A: Float64Array } {
  const r = g.r;
  const Bn = new Float64Array(m * r);
  for (let i = 0; i < m; i++) for (let k = 0; k < r; k++) for (let j = 0; j < r; j++) Bn[i * r + j] += B[i * r + k] * g.R[k * r + j];
  const An = new Float64Array(r * n);
  for (let i = 0; i < r; i++) for (let k = 0; k < r; k++) for (let j = 0; j < n; j++) An[i * n + j] += g.inverse[i * r + k] * A[k * n + j];
  return { B: Bn, A: An };
}

/**
 * A random R ∈ GL(r) with condition number `cond` (to rounding): R = Q₁·diag(d)·Q₂, Q₁ and Q₂
 * random orthogonal (Householder QR of Gaussian matrices), d geometric from 1 down to 1/cond
 * (d_i = cond^(−i/(r−1))). The inverse Q₂ᵀ·diag(1/d)·Q₁ᵀ is closed form, but R⁻¹·R = I only up
 * to ~cond·ε (Q₁ᵀQ₁ = I + O(ε) is amplified by d_max/d_min), so (B·R, R⁻¹·A) changes ΔW by a
 * relative ~cond·ε: the rounding an invariant predictor must tolerate at that condition.
 * For r = 1 every R is a scalar and cond(R) = 1 whatever `cond` asks.
 */
export function conditionedGl(r: number, cond: number, rng: SeededRandom): GlElement {
  if (!(cond >= 1) || !Number.isFinite(cond)) throw new RangeError(`a condition number is at least 1 and finite (got ${cond})`);
  const q1 = randomOrthogonal(r, rng);
  const q2 = randomOrthogonal(r, rng);
  const d = Float64Array.from({ length: r }, (_, i) => (r > 1 ? cond ** (-i / (r - 1)) : 1));
  const R = new Float64Array(r * r);
  const inverse = new Float64Array(r * r);
  for (let i = 0; i < r; i++)
    for (let j = 0; j < r; j++)
      for (let k = 0; k < r; k++) {
        R[i * r + j] += q1[i * r + k] * d[k] * q2[k * r + j];
        inverse[i * r + j] += (q2[k * r + i] / d[k]) * q1[j * r + k];
      }
  return { r, R, inverse };
}

/** Q of the Householder QR of an r×r Gaussian matrix, row-major. */
function randomOrthogonal(r: number, rng: SeededRandom): Float64Array {
  const { Q } = householderQR({ rows: r, cols: r, data: rng.normals(r * r) });
  const out = new Float64Array(r * r);
  // Q is column-major: (i, j) at j·r + i.
  for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) out[i * r + j] = Q.data[j * r + i];
  return out;
}
