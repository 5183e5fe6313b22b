import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { Rows } from '../../../src/core/predict/predictor/dense';
import { predictModel, trainLogistic, trainRidge, type LinearModel } from '../../../src/core/predict/predictor/model';
import { predictMlp, trainMlp } from '../../../src/core/predict/predictor/network/mlp';
import { encodeMlpModel } from '../../../src/core/predict/predictor/network/mlpExport';
import { encodePredictorModel } from '../../../src/core/predict/predictor/onnxExport';
import { PredictorSession } from '../../../src/core/predict/predictor/runPredictor';
import { fitStandardizer, standardize } from '../../../src/core/predict/predictor/standardize';
import { Rng } from '../../helpers/random';

/**
 * Spectra-like training rows whose column `padded` behaves like σ₅ of a zoo: zero for most rows,
 * tiny (≈ 1e-3) for the few "rank-8" rows, so its training spread is tiny but not zero. The
 * target follows that column's indicator, so the fitted models weight it. Held-out rows: fresh
 * spectra, one with the padded column far above anything in training (a diverged run, σ₅ ≈ 15)
 * and one below every training value in another column.
 */
function plantedCase(rng: Rng): { readonly train: Rows; readonly y: Float64Array; readonly heldOut: Rows; readonly padded: number } {
  const n = rng.int(16, 30);
  const p = rng.int(4, 10);
  const padded = rng.int(0, p - 1);
  const train: Rows = { rows: n, cols: p, data: Float64Array.from({ length: n * p }, () => Math.exp(rng.gaussian())) };
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const wide = r % 4 === 3;
    train.data[r * p + padded] = wide ? 1e-3 * Math.exp(0.3 * rng.gaussian()) : 0;
    y[r] = (wide ? 8 : 1 + rng.int(0, 2)) + 0.1 * rng.gaussian();
  }
  const heldOut: Rows = { rows: 4, cols: p, data: Float64Array.from({ length: 4 * p }, () => Math.exp(rng.gaussian())) };
  heldOut.data[padded] = 10 + 10 * rng.next();
  const other = (padded + 1) % p;
  heldOut.data[p + other] = 0;
  return { train, y, heldOut, padded };
}

/** Independent float64 reference of a linear model's first output: z from a two-pass mean and population sd of ln(1 + x), clamped to the training rows' z range. */
function referenceRidge(model: LinearModel, train: Rows, x: Rows): Float64Array {
  const f = (v: number) => Math.log1p(v);
  const out = new Float64Array(x.rows).fill(model.bias[0]);
  for (let k = 0; k < train.cols; k++) {
    const col = Array.from({ length: train.rows }, (_, r) => f(train.data[r * train.cols + k]));
    const mean = col.reduce((a, b) => a + b, 0) / col.length;
    const sd = Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / col.length);
    const zs = col.map((v) => (v - mean) / sd);
    const lo = Math.min(...zs);
    const hi = Math.max(...zs);
    for (let r = 0; r < x.rows; r++) out[r] += model.weights[k] * Math.min(Math.max((f(x.data[r * x.cols + k]) - mean) / sd, lo), hi);
  }
  return out;
}

function assertClose(actual: Float64Array, expected: Float64Array, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  const scale = Math.max(...expected.map(Math.abs));
  expected.forEach((v, i) => assert.ok(Math.abs(actual[i] - v) <= tolerance * scale, `${what} ${i}: ${actual[i]} vs ${v}`));
}

test('clamping never changes a training row: z is the plain standardized value, and within ±√(n − 1)', () => {
  const rng = Rng.fresh();
  const { train } = plantedCase(rng);
  const s = fitStandardizer(train);
  const z = standardize(train, s);
  for (let k = 0; k < train.cols; k++) {
    for (let r = 0; r < train.rows; r++) {
      const i = r * train.cols + k;
      assert.equal(z.data[i], (train.data[i] - s.mean[k]) / s.scale[k], `row ${r} col ${k} ${rng.tag}`);
      assert.ok(Math.abs(z.data[i]) <= Math.sqrt(train.rows - 1) * (1 + 1e-12), `|z| ${z.data[i]} ${rng.tag}`);
    }
  }
});

test('a held-out row far outside a nearly constant training column gives a bounded prediction, and TS, ONNX and a float64 reference agree', async () => {
  const rng = Rng.fresh();
  const { train, y, heldOut, padded } = plantedCase(rng);
  const lambda = 1e-2 * train.rows;
  const ridge = trainRidge(train, y, lambda, 'log1p');
  const s = ridge.standardizer;
  const rawZ = (Math.log1p(heldOut.data[padded]) - s.mean[padded]) / s.scale[padded];
  assert.ok(rawZ > 1000, `the planted column puts the held-out row at z = ${rawZ} ${rng.tag}`);

  // |ŷ − bias| ≤ Σ|w_k|·√(n − 1): with clamped inputs no row can leave the training box.
  const bound = ridge.weights.reduce((a, w) => a + Math.abs(w), 0) * Math.sqrt(train.rows - 1);
  const predicted = predictModel(ridge, heldOut);
  predicted.forEach((v, i) => assert.ok(Math.abs(v - ridge.bias[0]) <= bound, `row ${i}: ${v} (bias ${ridge.bias[0]}, bound ${bound}) ${rng.tag}`));
  const unbounded = predictModel(trainRidge(train, y, lambda, 'log1p', false), heldOut);
  assert.ok(Math.abs(unbounded[0] - ridge.bias[0]) > 10 * bound, `without the clamp the same row gives ${unbounded[0]} ${rng.tag}`);
  // Two float64 evaluations of the same sums, differing in order: ~1e-15 relative per term.
  assertClose(predicted, referenceRidge(ridge, train, heldOut), 1e-9, `ridge vs reference ${rng.tag}`);

  const classes = Array.from(y, (v) => (v > 5 ? 1 : 0));
  const logistic = trainLogistic(train, classes, 2, 'log1p');
  const mlp = trainMlp(train, { kind: 'numeric', values: y }, { hidden: [8], epochs: 100, learningRate: 0.01, weightDecay: 1e-3, seed: rng.int(1, 1e6) }, 'log1p');
  const cases: [string, Uint8Array, 'ridge' | 'logistic' | 'regression', Float64Array][] = [
    ['ridge', encodePredictorModel(ridge, 'ridge'), 'ridge', predicted],
    ['logistic', encodePredictorModel(logistic, 'logistic'), 'logistic', predictModel(logistic, heldOut)],
    ['mlp', encodeMlpModel(mlp, 'mlp'), 'regression', predictMlp(mlp, heldOut)],
  ];
  for (const [name, bytes, output, fromTs] of cases) {
    assert.ok(fromTs.every(Number.isFinite), `${name} outputs are finite ${rng.tag}`);
    const session = await PredictorSession.create(bytes, output);
    try {
      // float64 in both; only the summation order differs.
      assertClose(await session.run(heldOut.data, heldOut.rows, heldOut.cols), fromTs, 1e-9, `${name} ORT vs TS ${rng.tag}`);
    } finally {
      await session.dispose();
    }
  }
});
