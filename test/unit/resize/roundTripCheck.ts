import { strict as assert } from 'node:assert';
import { openAdapter } from '../../../src/core/adapter/load';
import type { RankPlan } from '../../../src/core/resize/recommend';
import { readBasis, type SubspaceBasis } from '../../../src/core/subspace/bases';

/** Unit roundoff of each output dtype (half the spacing of 1's neighbours). */
export const UNIT_ROUNDOFF = { F64: 2 ** -53, F32: 2 ** -24, F16: 2 ** -11, BF16: 2 ** -8 } as const;

/** ⟨X₁Σ₁Y₁ᵀ, X₂Σ₂Y₂ᵀ⟩_F over the first k₁, k₂ columns, from k₁×k₂ products only. */
function inner(a: SubspaceBasis, ka: number, b: SubspaceBasis, kb: number): number {
  let total = 0;
  const [m, n] = a.shape;
  for (let i = 0; i < ka; i++) {
    for (let j = 0; j < kb; j++) {
      let x = 0;
      let y = 0;
      for (let t = 0; t < m; t++) x += a.X.data[i * m + t] * b.X.data[j * m + t];
      for (let t = 0; t < n; t++) y += a.Y.data[i * n + t] * b.Y.data[j * n + t];
      total += a.sigma[i] * b.sigma[j] * x * y;
    }
  }
  return total;
}

/**
 * Reopens input and output with the project's loader and checks every planned module: the
 * output's spectrum is the input's truncated spectrum, its ΔW is the truncation itself (not
 * just one with the same σ), and its scale is the input's |s|.
 *
 * Tolerances. Rounding the balanced factors B' = X_k(Σ_k/s')^½, A' = (Σ_k/s')^½Y_kᵀ entrywise
 * to a dtype of unit roundoff u moves σ_j by at most 2u·σ_j to first order (the perturbation of
 * column j is proportional to σ_j^½ and meets the other side's σ_j^½), so σ is checked to 4u,
 * plus the float64 computation's own ε·σ₁/σ_j share (with a factor 10³ for the sizes involved).
 * ‖ΔW' − ΔW_k‖_F ≤ 2u·Σσ_j ≤ 2u·√k·‖σ_k‖, checked with a floor of 1e-7 because the distance is
 * computed as √(‖P‖² + ‖Q‖² − 2⟨P, Q⟩), which cancels to about √ε.
 */
export async function checkRoundTrip(
  input: string,
  output: string,
  plan: RankPlan,
  dtype: keyof typeof UNIT_ROUNDOFF,
  outputName: (name: string) => string,
  tag: string,
): Promise<number> {
  const a = await openAdapter(input);
  const b = await openAdapter(output);
  const u = UNIT_ROUNDOFF[dtype];
  let checked = 0;
  try {
    for (const layer of plan.layers) {
      const ma = a.adapter.modules.find((m) => m.name === layer.name);
      const mb = b.adapter.modules.find((m) => m.name === outputName(layer.name));
      assert.ok(ma && mb, `${layer.name} → ${outputName(layer.name)} not found in the output ${tag}`);
      assert.equal(mb.rank, layer.kept, `${layer.name}: written rank ${tag}`);
      assert.ok(Math.abs(mb.scale - Math.abs(ma.scale)) <= 2 ** -23 * Math.abs(ma.scale), `${layer.name}: scale ${mb.scale} vs ${ma.scale} ${tag}`);
      const ra = await readBasis(a.file, ma);
      const rb = await readBasis(b.file, mb);
      assert.ok('basis' in ra && 'basis' in rb, `${layer.name}: no basis ${tag}`);
      const [ba, bb] = [ra.basis, rb.basis];
      const k = layer.kept;
      for (let i = 0; i < k; i++) {
        const tol = 4 * u + 1e3 * Number.EPSILON * (ba.sigma[0] / ba.sigma[i]);
        const rel = Math.abs(bb.sigma[i] - ba.sigma[i]) / ba.sigma[i];
        assert.ok(rel <= tol, `${layer.name}: σ${i + 1} ${bb.sigma[i]} vs ${ba.sigma[i]} (relative ${rel.toExponential(2)} > ${tol.toExponential(2)}) ${tag}`);
      }
      let pp = 0;
      for (let i = 0; i < k; i++) pp += ba.sigma[i] * ba.sigma[i];
      const distance = Math.sqrt(Math.max(0, pp + inner(bb, k, bb, k) - 2 * inner(ba, k, bb, k))) / Math.sqrt(pp);
      const tol = 2 * u * Math.sqrt(k) + 1e-7;
      assert.ok(distance <= tol, `${layer.name}: ‖ΔW' − ΔW_k‖/‖ΔW_k‖ = ${distance.toExponential(2)} > ${tol.toExponential(2)} ${tag}`);
      checked++;
    }
  } finally {
    await a.file.close();
    await b.file.close();
  }
  return checked;
}
