import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { rankMetrics } from '../../../src/core/analysis/metrics';
import { lowRankSpectrum } from '../../../src/core/analysis/spectrum';
import { JsBackend } from '../../../src/core/compute/jsBackend';
import { recommendRanks } from '../../../src/core/resize/recommend';
import { gaussian, multiplyDense, spectrumInputs } from '../../helpers/factors';
import { Rng } from '../../helpers/random';
import type { Dense } from '../../helpers/referenceSvd';

/**
 * Metrics of a ΔW near either end of the float64 range equal those of the same ΔW near 1: sums of
 * σ² are taken in units near σ1, so they neither overflow to Infinity nor underflow to 0.
 */

/** Relative difference; against an exact zero (every σ kept: no truncation error) the value itself. */
const relative = (got: number, want: number) => (want === 0 ? Math.abs(got) : Math.abs(got - want) / Math.abs(want));

/** ‖X‖_F in float64 with the largest entry divided out first (a reference that cannot overflow). */
function referenceFrobenius(X: Dense, by: number): number {
  let big = 0;
  for (const x of X.data) big = Math.max(big, Math.abs(x));
  let sum = 0;
  for (const x of X.data) sum += (x / big) * (x / big);
  return big * Math.sqrt(sum) * by;
}

const scaled = (X: Dense, by: number): Dense => ({ rows: X.rows, cols: X.cols, data: X.data.map((x) => x * by) });

for (const [bBy, aBy] of [
  [1e150, 1e150],
  [1e-150, 1e-150],
  [1e150, 1],
  [1e-150, 1],
]) {
  test(`factors scaled by ${bBy} and ${aBy}: the same ranks as unscaled and ‖ΔW‖F scaled by ${bBy * aBy}`, async () => {
    const rng = Rng.fresh();
    const [m, n, r] = [24, 16, 6];
    const B = gaussian(rng, m, r);
    const A = gaussian(rng, r, n);
    const backend = new JsBackend();
    const plain = rankMetrics((await lowRankSpectrum(spectrumInputs(B, A), 1, backend)).singularValues, r);
    const far = rankMetrics((await lowRankSpectrum(spectrumInputs(scaled(B, bBy), scaled(A, aBy)), 1, backend)).singularValues, r);
    const by = bBy * aBy;
    const message = `${rng.tag}`;
    assert.ok(Number.isFinite(far.frobenius) && far.frobenius > 0, `‖ΔW‖F = ${far.frobenius} ${message}`);
    assert.ok(relative(far.frobenius, referenceFrobenius(multiplyDense(B, A), by)) <= 1e-12, `‖ΔW‖F ${far.frobenius} ${message}`);
    assert.ok(relative(far.sigma1, plain.sigma1 * by) <= 1e-12, message);
    for (const key of ['effectiveRank', 'stableRank', 'utilization', 'topEnergy'] as const) {
      assert.ok(relative(far[key], plain[key]) <= 1e-12, `${key}: ${far[key]} vs ${plain[key]} ${message}`);
    }
    assert.deepEqual([far.r90, far.r95, far.r99, far.aboveMeanRank], [plain.r90, plain.r95, plain.r99, plain.aboveMeanRank], message);
  });
}

test('rankMetrics of a spectrum at 1e+300 and at 1e-300 equals the one at 1', () => {
  const rng = Rng.fresh();
  const sigma = Float64Array.from({ length: 12 }, () => Math.abs(rng.gaussian()) + 0.01)
    .sort()
    .reverse();
  const plain = rankMetrics(sigma, 16);
  for (const by of [1e300, 1e-300]) {
    const far = rankMetrics(
      sigma.map((s) => s * by),
      16,
    );
    assert.ok(relative(far.frobenius, plain.frobenius * by) <= 1e-12, `${by}: ${far.frobenius} ${rng.tag}`);
    assert.ok(relative(far.effectiveRank, plain.effectiveRank) <= 1e-12, `${by}: ${far.effectiveRank} vs ${plain.effectiveRank} ${rng.tag}`);
    assert.deepEqual([far.r90, far.r95, far.r99], [plain.r90, plain.r95, plain.r99], `${by} ${rng.tag}`);
  }
});

test('resize plan errors and energy ranks of a spectrum at 1e+200 equal those at 1', () => {
  const rng = Rng.fresh();
  const sigma = Float64Array.from({ length: 8 }, () => Math.abs(rng.gaussian()) + 0.01)
    .sort()
    .reverse();
  const layer = (by: number) => ({ name: 'm', rank: 8, shape: [32, 32] as const, sigma: sigma.map((s) => s * by) });
  // kohya's rules treat σ1 ≤ 1e-6 as a zero matrix (kept for parity), so they are checked at the top end only.
  const cases = [
    { method: { kind: 'energy', level: 0.9 } as const, scales: [1e200, 1e-200] },
    { method: { kind: 'fixed', rank: 3 } as const, scales: [1e200, 1e-200] },
    { method: { kind: 'sv_fro', target: 0.9 } as const, scales: [1e200] },
    { method: { kind: 'sv_cumulative', target: 0.9 } as const, scales: [1e200] },
  ];
  for (const { method, scales } of cases) {
    const plain = recommendRanks([layer(1)], method);
    for (const by of scales) {
      const far = recommendRanks([layer(by)], method);
      assert.equal(far.layers[0].kept, plain.layers[0].kept, `${method.kind} ${by} ${rng.tag}`);
      assert.ok(relative(far.layers[0].relativeError, plain.layers[0].relativeError) <= 1e-12, `${far.layers[0].relativeError} ${rng.tag}`);
      assert.ok(relative(far.overallRelativeError, plain.overallRelativeError) <= 1e-12, `${far.overallRelativeError} ${rng.tag}`);
    }
  }
});
