import type { Matrix } from '../../linalg/matrix';
import { productSvd } from '../../linalg/productSvd';

/**
 * |cos| between the top left and right singular vectors of ΔW = s·B·A and the teacher's u and v
 * (Dayi & Chen: the learned direction aligns with the rank-1 perturbation over training).
 * B is h×r and A r×d, row-major. Computed from the factors (productSvd of s·B and Aᵀ), never
 * from ΔW; both cosines are 0 for ΔW = 0, where no direction exists. Invariant under
 * (B·R, R⁻¹·A), like every quantity of ΔW.
 */
export function teacherAlignment(B: Float64Array, A: Float64Array, scale: number, u: Float64Array, v: Float64Array): { readonly u: number; readonly v: number } {
  const h = u.length;
  const d = v.length;
  const r = A.length / d;
  const F: Matrix = { rows: h, cols: r, data: new Float64Array(h * r) };
  const G: Matrix = { rows: d, cols: r, data: new Float64Array(d * r) };
  for (let i = 0; i < h; i++) for (let j = 0; j < r; j++) F.data[j * h + i] = scale * B[i * r + j];
  for (let j = 0; j < r; j++) for (let k = 0; k < d; k++) G.data[j * d + k] = A[j * d + k];
  const svd = productSvd(F, G);
  if (!svd.U || !svd.V || svd.values.length === 0 || svd.values[0] === 0) return { u: 0, v: 0 };
  let cu = 0;
  let cv = 0;
  for (let i = 0; i < h; i++) cu += svd.U.data[i] * u[i];
  for (let k = 0; k < d; k++) cv += svd.V.data[k] * v[k];
  return { u: Math.min(1, Math.abs(cu)), v: Math.min(1, Math.abs(cv)) };
}

/**
 * ‖s·B·A − T‖_F / ‖T‖_F with T = Σ_j θ_j·u_j·v_jᵀ the teacher terms given (unit u_j, v_j); for
 * one term this is Dayi & Chen's recovery error ‖s·B·A − θ·u·vᵀ‖_F / θ. ΔW is formed in float64
 * (h×d is small in the zoo), so the value is exact up to rounding for the factors given.
 * At least one term: without one there is nothing to recover.
 */
export function recoveryError(
  B: Float64Array,
  A: Float64Array,
  scale: number,
  terms: readonly { readonly u: Float64Array; readonly v: Float64Array; readonly theta: number }[],
): number {
  if (terms.length === 0) throw new RangeError('recoveryError needs at least one teacher term');
  const d = terms[0].v.length;
  const h = terms[0].u.length;
  const r = A.length / d;
  let residual = 0;
  let target = 0;
  for (let i = 0; i < h; i++) {
    for (let k = 0; k < d; k++) {
      let w = 0;
      for (let j = 0; j < r; j++) w += B[i * r + j] * A[j * d + k];
      let t = 0;
      for (const term of terms) t += term.theta * term.u[i] * term.v[k];
      residual += (scale * w - t) ** 2;
      target += t * t;
    }
  }
  return Math.sqrt(residual / target);
}
