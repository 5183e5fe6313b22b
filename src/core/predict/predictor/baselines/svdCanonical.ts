import { productSvd } from '../../../linalg/productSvd';
import type { ModuleFactors } from '../rawFactors';

/**
 * The SVD-canonical input row of one adapter: per module, in layout order, ΔW = s·B·A's thin
 * SVD U·Σ·Vᵀ written as the factor pair (U·Σ^½, Σ^½·Vᵀ), laid out as flattenFactors lays out
 * (B, A): U·Σ^½ as m×rMax row-major, then Σ^½·Vᵀ as rMax×n row-major; columns past the
 * module's rank are zero.
 *
 * Why: (B·R, R⁻¹·A) leaves ΔW and so its SVD unchanged; rotating the factors into ΔW's
 * singular bases removes the GL(r) freedom, up to what the SVD itself leaves free:
 * - each pair (u_k, v_k) is defined up to a common sign: fixed here by making the entry of
 *   u_k largest in magnitude positive (the first such entry on exact ties);
 * - equal singular values leave any rotation within their joint subspace free, and close ones
 *   make the vectors sensitive (error ~ ε·‖ΔW‖ / gap): there the input is not canonical;
 * - components with σ = 0 contribute zeros whatever their vectors.
 * So the row is GL(r)-invariant for adapters with distinct nonzero singular values (to
 * rounding), which trained LoRA factors have almost surely. This is the "MLP+SVD"
 * input; the official LoL code's model_type 3 (moeputt/LoL, diffusion/utils/utils.py, `svd`)
 * feeds only the singular values, which is what the invariant spectral models already see.
 *
 * The SVD is productSvd(s·B, Aᵀ): a pivoted QR of the scaled B and a Jacobi SVD of the small
 * core, never the m×n ΔW.
 */
export function svdCanonicalRow(modules: readonly ModuleFactors[], scales: readonly number[], rMax: number): Float64Array {
  const width = modules.reduce((s, m) => s + (m.m + m.n) * rMax, 0);
  const out = new Float64Array(width);
  let at = 0;
  modules.forEach((f, index) => {
    if (f.r > rMax) throw new RangeError(`rank ${f.r} exceeds the baseline's ${rMax}`);
    const s = scales[index] ?? 1;
    const F = new Float64Array(f.m * f.r);
    for (let i = 0; i < f.m; i++) for (let j = 0; j < f.r; j++) F[j * f.m + i] = s * f.B[i * f.r + j];
    // Aᵀ column-major (n×r) has A's row-major data.
    const svd = productSvd({ rows: f.m, cols: f.r, data: F }, { rows: f.n, cols: f.r, data: f.A.slice() });
    const U = svd.U;
    const V = svd.V;
    if (U && V) {
      for (let k = 0; k < U.cols; k++) {
        const root = Math.sqrt(svd.values[k]);
        const sign = largestEntrySign(U.data, k * f.m, f.m);
        for (let i = 0; i < f.m; i++) out[at + i * rMax + k] = sign * root * U.data[k * f.m + i];
        for (let j = 0; j < f.n; j++) out[at + f.m * rMax + k * f.n + j] = sign * root * V.data[k * f.n + j];
      }
    }
    at += (f.m + f.n) * rMax;
  });
  return out;
}

/** The sign (±1) of the entry largest in magnitude among data[start … start + length − 1]. */
function largestEntrySign(data: Float64Array, start: number, length: number): number {
  let best = 0;
  for (let i = 1; i < length; i++) if (Math.abs(data[start + i]) > Math.abs(data[start + best])) best = i;
  return data[start + best] < 0 ? -1 : 1;
}
