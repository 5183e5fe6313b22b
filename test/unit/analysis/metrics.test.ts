import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { rankMetrics } from '../../../src/core/analysis/metrics';
import { lowRankSpectrum } from '../../../src/core/analysis/spectrum';
import { JsBackend } from '../../../src/core/compute/jsBackend';
import { gaussian, inverse, multiplyDense, spectrumInputs } from '../../helpers/factors';
import { Rng } from '../../helpers/random';

const close = (a: number, b: number, tol = 1e-14) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

test('metrics of a known spectrum: σ = (4, 3)', () => {
  const m = rankMetrics(Float64Array.of(4, 3), 2);
  const p = [16 / 25, 9 / 25];
  assert.ok(close(m.frobenius, 5));
  assert.equal(m.sigma1, 4);
  assert.ok(close(m.effectiveRank, Math.exp(-(p[0] * Math.log(p[0]) + p[1] * Math.log(p[1])))));
  assert.ok(close(m.stableRank, 25 / 16));
  assert.deepEqual([m.r90, m.r95, m.r99], [2, 2, 2]);
  assert.ok(close(m.utilization, m.effectiveRank / 2));
  assert.ok(close(m.dominanceRatio ?? NaN, 4 / 3));
  assert.ok(close(m.topEnergy, 0.64));
  assert.equal(m.aboveMeanRank, 1);
});

test('equal singular values: effective rank k, and an energy level met exactly counts exactly', () => {
  const k = 20;
  const m = rankMetrics(new Float64Array(k).fill(0.37), 32);
  assert.ok(close(m.effectiveRank, k, 1e-13));
  assert.ok(close(m.stableRank, k, 1e-13));
  // 19 of 20 equal values hold exactly 95% of the energy.
  assert.equal(m.r95, 19);
  assert.equal(m.r90, 18);
  assert.equal(m.aboveMeanRank, k);
  assert.ok(close(m.utilization, k / 32, 1e-13));
  assert.ok(close(m.dominanceRatio ?? NaN, 1));
});

test('a zero ΔW and a rank-1 ΔW', () => {
  const zero = rankMetrics(new Float64Array(4), 4);
  assert.deepEqual([zero.frobenius, zero.effectiveRank, zero.stableRank, zero.r95, zero.utilization, zero.aboveMeanRank], [0, 0, 0, 0, 0, 0]);
  assert.equal(zero.dominanceRatio, null);
  const one = rankMetrics(Float64Array.of(2.5, 0, 0), 3);
  assert.deepEqual([one.effectiveRank, one.stableRank, one.r99, one.aboveMeanRank], [1, 1, 1, 1]);
  assert.equal(one.dominanceRatio, null);
});

test('random spectra: every metric equals its definition computed independently', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 50; trial++) {
    const k = rng.int(1, 40);
    const sigma = Float64Array.from({ length: k }, () => Math.exp(4 * rng.gaussian()))
      .sort()
      .reverse();
    const m = rankMetrics(sigma, k);
    const total = sigma.reduce((a, s) => a + s * s, 0);
    const entropy = -sigma.reduce((a, s) => a + ((s * s) / total) * Math.log((s * s) / total), 0);
    assert.ok(close(m.effectiveRank, Math.exp(entropy), 1e-12), rng.tag);
    assert.ok(close(m.frobenius, Math.hypot(...sigma), 1e-14), rng.tag);
    for (const [level, got] of [
      [0.9, m.r90],
      [0.95, m.r95],
      [0.99, m.r99],
    ] as const) {
      let cum = 0;
      let want = k;
      for (let i = 0; i < k; i++) {
        cum += sigma[i] ** 2;
        if (cum / total >= level) {
          want = i + 1;
          break;
        }
      }
      assert.ok(Math.abs(got - want) <= 0, `r${level * 100}: ${got} vs ${want} ${rng.tag}`);
    }
  }
});

test('GL(r) invariance: a random reparametrization (B·R, R⁻¹·A) moves no metric by more than 1e-9', async () => {
  const rng = Rng.fresh();
  const backend = new JsBackend();
  for (let trial = 0; trial < 20; trial++) {
    const r = rng.int(1, 16);
    const m = rng.int(r, 80);
    const n = rng.int(r, 80);
    const B = gaussian(rng, m, r);
    const A = gaussian(rng, r, n);
    const R = gaussian(rng, r, r);
    const before = rankMetrics((await lowRankSpectrum(spectrumInputs(B, A), 1.7, backend)).singularValues, r);
    const after = rankMetrics((await lowRankSpectrum(spectrumInputs(multiplyDense(B, R), multiplyDense(inverse(R), A)), 1.7, backend)).singularValues, r);
    for (const key of Object.keys(before) as (keyof typeof before)[]) {
      const x = before[key];
      const y = after[key];
      if (x === null || y === null) {
        assert.equal(x, y, key);
        continue;
      }
      assert.ok(Math.abs(x - y) <= 1e-9 * Math.abs(x), `${key}: ${x} → ${y} (r = ${r}) ${rng.tag}`);
    }
  }
});
