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
