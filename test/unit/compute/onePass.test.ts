import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { lowRankSpectrum } from '../../../src/core/analysis/spectrum';
import { JsBackend } from '../../../src/core/compute/jsBackend';
import { OrtBackend } from '../../../src/core/compute/ort/ortBackend';
import { cholesky } from '../../../src/core/linalg/cholesky';
import { gram } from '../../../src/core/linalg/gram';
import { householderQR, householderR } from '../../../src/core/linalg/householder';
import { singularValues } from '../../../src/core/linalg/jacobiSvd';
import type { Matrix } from '../../../src/core/linalg/matrix';
import { productSvd } from '../../../src/core/linalg/productSvd';
import { gaussian, gradedPair, inverse, logSpaced, multiplyDense, spectrumInputs, toColumnMajor, transposeDense } from '../../helpers/factors';
import { Rng } from '../../helpers/random';
import type { Dense } from '../../helpers/referenceSvd';

/**
 * The one-pass rule (src/core/linalg/onePassGram.ts) on both backends: factors whose columns
 * are near orthogonal after scaling take one Gram pass, ill-conditioned ones the exact route
 * (CholeskyQR2's second pass on onnxruntime, Householder QR in TypeScript), and either way every
 * σ is within 1e-10·σ1 of the Householder route, the LAPACK-equivalent reference that
 * spectrumRoute.test.ts holds against a double-double SVD.
 */

const BUDGET = 1e-10;

/** σ(B·A) by Householder QR of both factors and the product SVD of the R's. */
function householderSpectrum(B: Dense, A: Dense, R?: (T: Matrix) => Matrix | null): Float64Array | null {
  const take = R ?? householderR;
  const RB = take(toColumnMajor(B));
  const RA = take(toColumnMajor(transposeDense(A)));
  return RB && RA ? productSvd(RB, RA, false).values : null;
}

/** max_i |got_i − want_i| / want_1. */
function worstAbsolute(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / want[0]);
  return worst;
}

/** B = X·G, A = G⁻¹·Y with G of condition `cond`: ΔW = X·Y stays tame while each factor is not. */
function illConditioned(rng: Rng, m: number, n: number, r: number, cond: number): { B: Dense; A: Dense } {
  const { Q } = householderQR(toColumnMajor(gaussian(rng, r, r)));
  const orthogonal: Dense = { rows: r, cols: r, data: transposeDense({ rows: r, cols: r, data: Q.data }).data };
  const scaled = gaussian(rng, r, r);
  const s = logSpaced(r, cond);
  for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) scaled.data[i * r + j] = orthogonal.data[i * r + j] * s[j];
  const G = multiplyDense(scaled, transposeDense(orthogonal));
  return { B: multiplyDense(gaussian(rng, m, r), G), A: multiplyDense(inverse(G), gaussian(rng, r, n)) };
}

const CASES = [
  { name: 'Gaussian factors', onePass: true, make: (rng: Rng, m: number, n: number, r: number) => ({ B: gaussian(rng, m, r), A: gaussian(rng, r, n, 0.01) }) },
  // Columns of sizes spread over 1e8 but near orthogonal: κ is huge, κ after column scaling is not.
  { name: 'graded factors (σ spread 1e8, random order)', onePass: true, make: (rng: Rng, m: number, n: number, r: number) => gradedPair(rng, m, n, r, 1e8, 'random') },
  { name: 'ill-conditioned factors (κ 1e5)', onePass: false, make: (rng: Rng, m: number, n: number, r: number) => illConditioned(rng, m, n, r, 1e5) },
];

for (const c of CASES) {
  for (const kind of ['js', 'onnxruntime'] as const) {
    test(`${kind}: ${c.name} take ${c.onePass ? 'one Gram pass' : 'the exact route'}, every σ within ${BUDGET}·σ1 of Householder`, async () => {
      const rng = Rng.fresh();
      const backend = kind === 'js' ? new JsBackend() : new OrtBackend('cpu');
      try {
        for (const r of [8, 16]) {
          const { B, A } = c.make(rng, rng.int(600, 900), rng.int(600, 900), r);
          const want = householderSpectrum(B, A) as Float64Array;
          const got = (await lowRankSpectrum(spectrumInputs(B, A), 1, backend)).singularValues;
          const error = worstAbsolute(got, want);
          assert.ok(error <= BUDGET, `r = ${r}: worst |Δσ|/σ1 = ${error} ${rng.tag}`);
        }
        const passes = backend instanceof OrtBackend ? backend.passes : { one: backend.passes.one, two: backend.passes.householder };
        assert.deepEqual(passes, c.onePass ? { one: 4, two: 0 } : { one: 0, two: 4 }, rng.tag);
      } finally {
        await backend.dispose();
      }
    });
  }
}

test('the rule is needed: one pass on the ill-conditioned factors misses 1e-10·σ1 (or Cholesky breaks down)', () => {
  const rng = Rng.fresh();
  const { B, A } = illConditioned(rng, 800, 700, 16, 1e5);
  const want = householderSpectrum(B, A) as Float64Array;
  const got = householderSpectrum(B, A, (T) => cholesky(gram(T)));
  assert.ok(got === null || worstAbsolute(got, want) > BUDGET, `one pass was within budget ${rng.tag}`);
});

test('onnxruntime: a stack mixing well- and ill-conditioned factors sends only the ill-conditioned to the second pass', async () => {
  const rng = Rng.fresh();
  const ort = new OrtBackend('cpu');
  try {
    const bad = illConditioned(rng, 700, 700, 12, 1e5).B;
    const factors = [gaussian(rng, 700, 12), bad, gaussian(rng, 700, 12)];
    const R = await ort.triangularFactors(factors.map((X) => ({ rows: 700, cols: 12, layout: 'tall' as const, values: X.data.slice() })));
    assert.deepEqual(ort.passes, { one: 2, two: 1 }, rng.tag);
    factors.forEach((X, k) => {
      // σ(R) = σ(T): against Householder's R, relative to σ1.
      const want = singularValues(householderR(toColumnMajor(X)));
      const got = singularValues(R[k]);
      assert.ok(worstAbsolute(got, want) <= 1e-10, `factor ${k}: ${worstAbsolute(got, want)} ${rng.tag}`);
    });
  } finally {
    await ort.dispose();
  }
});
