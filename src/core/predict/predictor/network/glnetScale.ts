import type { GlFactors } from '../factorsInput';
import { matmulTn } from './smallMatmul';

/**
 * Per-module scale constants c_i of a GL-net: the RMS over the training adapters of
 * ‖ΔW_i‖_F/√(m·n), the size of a typical entry of ΔW_i. ‖ΔW‖_F² = tr((UᵀU)(VᵀV)) from the r×r
 * Grams, so ΔW is never formed. Why: a first-layer feature P_ab = w_aᵀ·ΔW·v_b with w, v drawn
 * N(0, 1/m), N(0, 1/n) has spread ‖ΔW‖_F/√(m·n), which is ~1e-4 for a trained LoRA; unscaled,
 * the head's gradient toward W_U, W_V is as small, and any weight decay wins (the equivariant
 * weights collapsed to ~1e-7). Dividing by a constant fitted once keeps P near O(1), keeps every
 * feature GL-invariant (c does not depend on the adapter being scored) and keeps a target that
 * is linear in ΔW linear in P. A module that is zero in every training adapter gets c = 1.
 */
export function moduleScales(samples: readonly (readonly GlFactors[])[]): Float64Array {
  const count = samples[0]?.length ?? 0;
  const sums = new Float64Array(count);
  for (const sample of samples) sample.forEach((f, i) => (sums[i] += squaredNorm(f) / (f.m * f.n)));
  return sums.map((s) => {
    const c = Math.sqrt(s / Math.max(1, samples.length));
    return c > 0 && Number.isFinite(c) ? c : 1;
  });
}

/** ‖U·Vᵀ‖_F² = Σ_jk (UᵀU)_jk (VᵀV)_jk. */
function squaredNorm(f: GlFactors): number {
  const GU = matmulTn(f.U, f.U, f.m, f.r, f.r);
  const GV = matmulTn(f.V, f.V, f.n, f.r, f.r);
  let t = 0;
  for (let i = 0; i < GU.length; i++) t += GU[i] * GV[i];
  return t;
}
