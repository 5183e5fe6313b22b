import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { Target } from '../../../src/core/predict/predictor/crossValidate';
import type { Rows } from '../../../src/core/predict/predictor/dense';
import { rSquared } from '../../../src/core/predict/predictor/metrics';
import { predictModel, trainRidge } from '../../../src/core/predict/predictor/model';
import { denseParamCount, initDense, type DenseShape } from '../../../src/core/predict/predictor/network/denseNet';
import { networkTarget } from '../../../src/core/predict/predictor/network/loss';
import { mlpObjective, predictMlp, trainMlp } from '../../../src/core/predict/predictor/network/mlp';
import { DEFAULT_GLNET_HEAD, glnetWidths } from '../../../src/core/predict/predictor/network/networkOptions';
import { encodeMlpModel } from '../../../src/core/predict/predictor/network/mlpExport';
import { PredictorSession } from '../../../src/core/predict/predictor/runPredictor';
import { Rng } from '../../helpers/random';
import { checkGradient } from './gradCheck';

function gaussianRows(rng: Rng, rows: number, cols: number): Rows {
  return { rows, cols, data: rng.gaussians(rows * cols) };
}

function randomTarget(rng: Rng, rows: number, classification: boolean): Target {
  if (!classification) return { kind: 'numeric', values: rng.gaussians(rows).map((v) => 3 + 2 * v) };
  const count = rng.int(2, 4);
  return { kind: 'classes', classes: Array.from({ length: rows }, () => rng.int(0, count - 1)), labels: Array.from({ length: count }, (_, i) => `c${i}`) };
}

test('the MLP objective gradient (backprop + weight decay) matches central finite differences', () => {
  const rng = Rng.fresh();
  for (const [activation, classification] of [
    ['tanh', false],
    ['tanh', true],
    ['relu', false],
    ['relu', true],
  ] as const) {
    const z = gaussianRows(rng, rng.int(5, 20), rng.int(2, 8));
    const target = networkTarget(randomTarget(rng, z.rows, classification));
    const hidden = rng.next() < 0.5 ? [rng.int(2, 9)] : [rng.int(2, 9), rng.int(2, 6)];
    const net: DenseShape = { sizes: [z.cols, ...hidden, target.kind === 'regression' ? 1 : target.count], activation };
    const params = new Float64Array(denseParamCount(net));
    initDense(net, params, rng);
    params.forEach((_, i) => (params[i] += 0.1 * rng.gaussian()));
    const wd = rng.next() * 0.1;
    const { grad } = mlpObjective(net, params, z, target, wd);
    // ReLU: a pre-activation within h of its kink breaks the difference; at h = 1e-7 over a few
    // hundred pre-activations of size O(1) that has probability ~1e-4.
    checkGradient(
      (p) => mlpObjective(net, p, z, target, wd).loss,
      params,
      grad,
      rng,
      `${activation}/${classification ? 'classification' : 'regression'}`,
      80,
      activation === 'relu' ? 1e-7 : 1e-5,
    );
  }
});

test('an MLP learns a planted nonlinear target that ridge cannot, on held-out rows', () => {
  const rng = Rng.fresh();
  const p = rng.int(4, 8);
  const draw = (rows: number) => {
    const x = gaussianRows(rng, rows, p);
    // y = x₀·x₁ + sin(2x₂): no linear part, so ridge's best R² is ≈ 0.
    const y = Float64Array.from({ length: rows }, (_, r) => x.data[r * p] * x.data[r * p + 1] + Math.sin(2 * x.data[r * p + 2]) + 0.05 * rng.gaussian());
    return { x, y };
  };
  const train = draw(200);
  const held = draw(100);
  const mlp = trainMlp(train.x, { kind: 'numeric', values: train.y }, { hidden: [16], epochs: 600, learningRate: 0.02, weightDecay: 1e-2, seed: rng.int(1, 1e6) }, 'identity');
  const ridge = trainRidge(train.x, train.y, 1, 'identity');
  const r2Mlp = rSquared(held.y, predictMlp(mlp, held.x));
  const r2Ridge = rSquared(held.y, predictModel(ridge, held.x));
  assert.ok(r2Mlp > 0.6, `MLP held-out R² ${r2Mlp} ${rng.tag}`);
  assert.ok(r2Mlp > r2Ridge + 0.4, `MLP R² ${r2Mlp} vs ridge ${r2Ridge} ${rng.tag}`);
});

test('an exported MLP runs in onnxruntime and matches the TypeScript forward pass to 1e-9 relative', async () => {
  const rng = Rng.fresh();
  for (const classification of [false, true]) {
    const p = rng.int(3, 12);
    const train: Rows = { rows: 30, cols: p, data: Float64Array.from({ length: 30 * p }, () => Math.exp(2 * rng.gaussian())) };
    const fresh: Rows = { rows: 12, cols: p, data: Float64Array.from({ length: 12 * p }, () => Math.exp(2 * rng.gaussian())) };
    const model = trainMlp(
      train,
      randomTarget(rng, train.rows, classification),
      { hidden: rng.next() < 0.5 ? [8] : [8, 4], epochs: 50, learningRate: 0.01, weightDecay: 1e-3, seed: rng.int(1, 1e6) },
      'log1p',
      rng.next() < 0.5 ? 'tanh' : 'relu',
    );
    const session = await PredictorSession.create(encodeMlpModel(model, 'mlp-test'), classification ? 'classification' : 'regression');
    try {
      const fromOrt = await session.run(fresh.data, fresh.rows, fresh.cols);
      const fromTs = predictMlp(model, fresh);
      assert.equal(fromOrt.length, fromTs.length);
      const scale = Math.max(...fromTs.map(Math.abs));
      // float64 throughout; only the summation order differs (~1e-15 relative per product).
      fromTs.forEach((v, i) => assert.ok(Math.abs(fromOrt[i] - v) <= 1e-9 * scale, `output ${i}: ORT ${fromOrt[i]} vs TS ${v} ${rng.tag}`));
    } finally {
      await session.dispose();
    }
  }
});

test('on a pure-noise target the MLP stops early and keeps weights from before the overfit', () => {
  const rng = Rng.fresh();
  const x = gaussianRows(rng, 60, 6);
  // Nothing to learn: the held-out fifth's loss can only rise once the net fits the noise, so
  // training ends `patience` steps after its lowest point, well before the cap.
  const mlp = trainMlp(
    x,
    { kind: 'numeric', values: rng.gaussians(60) },
    { hidden: [32], epochs: 2000, learningRate: 0.02, weightDecay: 0, seed: rng.int(1, 1e6), patience: 50 },
    'identity',
  );
  assert.ok(mlp.epochs < 2000, `ran all ${mlp.epochs} steps ${rng.tag}`);
  assert.equal(mlp.epochs - mlp.bestEpoch, 50, `stopped ${mlp.epochs - mlp.bestEpoch} steps after the best ${rng.tag}`);
});

test('glnet --hidden: the last size is the head, the others the equivariant widths; one size keeps the old meaning', () => {
  assert.deepEqual(glnetWidths([4, 8]), { equivariant: [4], head: [8] });
  assert.deepEqual(glnetWidths([16, 16, 32]), { equivariant: [16, 16], head: [32] });
  assert.deepEqual(glnetWidths([4]), { equivariant: [4], head: [DEFAULT_GLNET_HEAD] });
});
