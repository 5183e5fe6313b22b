import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { lowRankSpectrum } from '../../../src/core/analysis/spectrum';
import { JsBackend } from '../../../src/core/compute/jsBackend';
import { gaussian, gradedPair, inverse, logSpaced, multiplyDense, scaleColumns, spectrumInputs, worstRelativeError } from '../../helpers/factors';
import { Rng } from '../../helpers/random';
import { materialize, referenceSingularValues, type Dense } from '../../helpers/referenceSvd';

const backend = new JsBackend();

async function spectrumOf(s: number, B: Dense, A: Dense, M?: Dense): Promise<Float64Array> {
  return (await lowRankSpectrum(spectrumInputs(B, A, M), s, backend)).singularValues;
}

test('spectra of well-conditioned random factors match the double-double reference to 1e-12', async () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 24; trial++) {
    const r = rng.int(1, 8);
    const m = rng.int(1, 36);
    const n = rng.int(1, 36);
    const s = 0.1 + 10 * rng.next();
    const B = gaussian(rng, m, r);
    const A = gaussian(rng, r, n);
    const M = trial % 3 === 0 ? gaussian(rng, r, r) : undefined;
    const got = await spectrumOf(s, B, A, M);
    const want = referenceSingularValues(materialize(s, B, A, M));
    assert.equal(got.length, Math.min(m, n, r), `count for ${m}×${n} rank ${r} ${rng.tag}`);
    for (let i = got.length; i < want.length; i++) assert.ok(want[i] <= 1e-25 * want[0], `reference rank ${rng.tag}`);
    const { error, index } = worstRelativeError(got, want, 1e-3);
    assert.ok(error <= 1e-12, `σ${index + 1} of ${m}×${n} rank ${r}: relative error ${error} ${rng.tag}`);
    for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-13 * want[0], `σ${i + 1} absolute error ${rng.tag}`);
  }
});

test('graded ill-conditioned factors (σ spread 1e8), components in any order: relative error ≤ 1e-10 for every σ ≥ 1e-8·σ1', async (t) => {
  const rng = Rng.fresh();
  let worst = 0;
  for (let trial = 0; trial < 36; trial++) {
    const r = rng.int(2, 8);
    const m = rng.int(r + 2, 30);
    const n = rng.int(r + 2, 30);
    const s = 0.5 + rng.next();
    const order = (['decreasing', 'increasing', 'random'] as const)[trial % 3];
    const { B, A } = gradedPair(rng, m, n, r, 1e8, order);
    const got = await spectrumOf(s, B, A);
    const want = referenceSingularValues(materialize(s, B, A));
    assert.ok(want[r - 1] / want[0] < 1e-6, `the case is ill-conditioned ${rng.tag}`);
    const { error, index } = worstRelativeError(got, want, 1e-8);
    worst = Math.max(worst, error);
    assert.ok(error <= 1e-10, `σ${index + 1}/σ1 = ${want[index] / want[0]} (${order} components): relative error ${error} ${rng.tag}`);
  }
  t.diagnostic(`worst relative error ${worst.toExponential(2)}`);
});

test('factors mixed by an ill-conditioned GL(r) matrix: errors stay within the backward-stable bound', async (t) => {
  const rng = Rng.fresh();
  let worstNormwise = 0;
  for (let trial = 0; trial < 16; trial++) {
    const r = rng.int(2, 8);
    const m = rng.int(r + 2, 30);
    const n = rng.int(r + 2, 30);
    const { B, A } = gradedPair(rng, m, n, r, 1e8);
    // R = G1·diag(1 … 1e-4)·G2 has condition number around 1e4 and up.
    const R = multiplyDense(scaleColumns(gaussian(rng, r, r), logSpaced(r, 1e4)), gaussian(rng, r, r));
    const BR = multiplyDense(B, R);
    const RinvA = multiplyDense(inverse(R), A);
    const got = await spectrumOf(1, BR, RinvA);
    const want = referenceSingularValues(materialize(1, BR, RinvA));
    // Householder QR is backward stable column by column: the error in ΔW is bounded by
    // ε·Σ_j ‖(BR)_j‖·‖(R⁻¹A)_j‖ times a modest multiple of the dimensions.
    let bound = 0;
    for (let j = 0; j < r; j++) {
      let bj = 0;
      let aj = 0;
      for (let i = 0; i < m; i++) bj += BR.data[i * r + j] ** 2;
      for (let i = 0; i < n; i++) aj += RinvA.data[j * n + i] ** 2;
      bound += Math.sqrt(bj * aj);
    }
    bound *= (m + n) * Number.EPSILON;
    for (let i = 0; i < got.length; i++) {
      const e = Math.abs(got[i] - want[i]);
      worstNormwise = Math.max(worstNormwise, e / bound);
      assert.ok(e <= bound, `σ${i + 1}: error ${e} over the bound ${bound} ${rng.tag}`);
    }
  }
  t.diagnostic(`largest error as a fraction of the bound: ${worstNormwise.toExponential(2)}`);
});
