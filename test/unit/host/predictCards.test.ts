import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { FeatureError } from '../../../src/core/predict/errors';
import { featureLayout } from '../../../src/core/predict/layout';
import type { PredictorManifest } from '../../../src/core/predict/predictor/manifest';
import { cardOf, outcomeOf, type PredictorEntry } from '../../../src/host/predict/cards';
import { MODEL_KINDS, modelChoices } from '../../../src/host/predict/modelKinds';
import { defaultPredictorDir, labelsTable } from '../../../src/host/predict/trainingPlan';
import { Rng } from '../../helpers/random';

function manifest(output: PredictorManifest['output'], training: unknown): PredictorManifest {
  const layout = featureLayout([{ name: 'blocks.0.fc', shape: [32, 32] }], 4);
  return {
    format: 'lora-lens-predictor',
    formatVersion: 1,
    name: 'p',
    version: '3',
    description: 'd',
    input: { kind: 'features', layout: layout.id, k: 4, modules: layout.modules, width: layout.columns.length },
    model: { kind: output.kind === 'regression' ? 'ridge' : 'logistic', file: 'model.onnx', dtype: 'float64', transform: 'log1p' },
    output,
    // The parser keeps the record as written: these tests feed it malformed ones too.
    training: training as PredictorManifest['training'],
  };
}

const entry = (m: PredictorManifest): PredictorEntry => ({ dir: '/p', source: 'setting', manifest: m });

test('a layout mismatch becomes a reason without a number; other errors are failures', () => {
  const m = manifest({ kind: 'regression', target: 'loss', unit: 'nats', range: [0, 1] }, null);
  const mismatch = outcomeOf(m, { kind: 'error', error: new FeatureError('LAYOUT_MISMATCH', 'module blocks.0.fc is 64×32, not 32×32') });
  assert.deepEqual(mismatch, { kind: 'mismatch', message: 'module blocks.0.fc is 64×32, not 32×32' });
  assert.equal(outcomeOf(m, { kind: 'error', error: new FeatureError('MODULE_NOT_ANALYSED', 'x') }).kind, 'mismatch');
  assert.deepEqual(outcomeOf(m, { kind: 'error', error: new FeatureError('INVALID_PREDICTOR', 'model.onnx is not an ONNX model') }), {
    kind: 'failed',
    message: 'model.onnx is not an ONNX model',
  });
  assert.deepEqual(outcomeOf(m, { kind: 'error', error: 'plain' }), { kind: 'failed', message: 'plain' });
  // A non-finite output is never shown as a number.
  assert.equal(outcomeOf(m, { kind: 'done', prediction: { kind: 'regression', target: 'loss', value: Number.NaN, unit: 'nats' } }).kind, 'failed');
  assert.equal(outcomeOf(m, { kind: 'pending' }).kind, 'pending');
});

test('a regression value keeps its unit and the manifest range', () => {
  const rng = Rng.fresh();
  const lo = rng.normal();
  const hi = lo + Math.exp(rng.normal());
  const value = rng.normal() * 10;
  const m = manifest({ kind: 'regression', target: 'loss', unit: 'nats', range: [lo, hi] }, null);
  assert.deepEqual(
    outcomeOf(m, { kind: 'done', prediction: { kind: 'regression', target: 'loss', value, unit: 'nats' } }),
    { kind: 'regression', target: 'loss', value, unit: 'nats', range: [lo, hi] },
    rng.tag,
  );
});

test('class probabilities are laid out in the manifest label order, whatever the order of the record', () => {
  const rng = Rng.fresh();
  const labels = ['a', '<b>', '__proto__', 'z,y'];
  const raw = labels.map(() => Math.exp(rng.normal()));
  const total = raw.reduce((s, v) => s + v, 0);
  const q = raw.map((v) => v / total);
  const shuffled = labels.map((l, i) => [l, q[i]] as const).reverse();
  const m = manifest({ kind: 'classification', target: 'task', labels }, null);
  const out = outcomeOf(m, { kind: 'done', prediction: { kind: 'classification', target: 'task', label: 'a', probabilities: Object.fromEntries(shuffled) } });
  assert.equal(out.kind, 'classification');
  if (out.kind !== 'classification') return;
  assert.deepEqual(out.labels, labels);
  labels.forEach((_, i) => assert.equal(out.probabilities[i], q[i], rng.tag));
  // A label the model gave no probability for: no bars at all rather than a made-up one.
  const missing = outcomeOf(m, { kind: 'done', prediction: { kind: 'classification', target: 'task', label: 'a', probabilities: { a: 1 } } });
  assert.equal(missing.kind, 'failed');
});

test('training metrics come from the record; malformed records show none, undefined metrics are NaN', () => {
  const output = { kind: 'regression', target: 'loss', unit: 'nats', range: [0, 1] } as const;
  const good = {
    rows: 48,
    folds: 5,
    cv: { kind: 'regression', r2: 0.28, kendallTau: null, folds: 5 },
    baseline: { cv: { kind: 'regression', r2: -0.05, kendallTau: -0.3, folds: 5 } },
  };
  const card = cardOf(entry(manifest(output, good)), { name: 'cpu', fallbackReason: 'CUDA unavailable' }, { kind: 'pending' }, { kind: 'unchecked' });
  assert.equal(card.predictor.training?.adapters, 48);
  assert.equal(card.predictor.training?.folds, 5);
  assert.deepEqual(card.predictor.training?.cv.kind, 'regression');
  if (card.predictor.training?.cv.kind === 'regression') {
    assert.equal(card.predictor.training.cv.r2, 0.28);
    assert.ok(Number.isNaN(card.predictor.training.cv.kendallTau));
  }
  assert.deepEqual(card.predictor.training?.baseline, { kind: 'regression', r2: -0.05, kendallTau: -0.3 });
  assert.deepEqual(card.provider, { name: 'cpu', fallbackReason: 'CUDA unavailable' });
  assert.equal(card.predictor.source, 'setting');
  for (const bad of [null, 'text', [], { cv: 'x' }, { cv: { kind: 'other' } }])
    assert.equal(cardOf(entry(manifest(output, bad)), null, { kind: 'pending' }, { kind: 'unchecked' }).predictor.training, null);
  const noBaseline = cardOf(entry(manifest(output, { ...good, baseline: 7 })), null, { kind: 'pending' }, { kind: 'unchecked' });
  assert.equal(noBaseline.predictor.training?.baseline, null);
});

test('labels.csv columns: quoted cells, blanks and numbers are read as train-predictor reads them', () => {
  const text = ['adapter,loss,task,"note, quoted"', 'a,0.5,x,"1,2"', 'b,1e-3,y,', '', 'c,,x,z', ''].join('\n');
  const table = labelsTable(text);
  assert.ok(table);
  assert.equal(table.rows, 3);
  assert.deepEqual(table.targets, [
    { name: 'loss', filled: 2, numeric: true, distinct: 2 },
    { name: 'task', filled: 3, numeric: false, distinct: 2 },
    { name: 'note, quoted', filled: 2, numeric: false, distinct: 2 },
  ]);
  assert.equal(labelsTable('loss,task\n1,2\n'), null);
  assert.equal(labelsTable('adapter,"open\n'), null);
});

test('the default predictor folder stays one visible folder under .lora-lens/predictors', () => {
  assert.equal(defaultPredictorDir('/ws', 'final_loss', 'ridge'), '/ws/.lora-lens/predictors/final_loss-ridge');
  assert.equal(defaultPredictorDir('/ws', '../../etc/x', 'ridge'), '/ws/.lora-lens/predictors/_.._etc_x-ridge');
  assert.equal(defaultPredictorDir('/ws', '.hidden', 'logistic'), '/ws/.lora-lens/predictors/hidden-logistic');
  assert.equal(defaultPredictorDir('/ws', 'a b/c', 'mlp'), '/ws/.lora-lens/predictors/a_b_c-mlp');
});

test('the model picker offers every kind with the tasks it can learn, those fitting the column first', () => {
  const numeric = modelChoices(true);
  const classes = modelChoices(false);
  assert.deepEqual(new Set(numeric.map((c) => c.model)), new Set(Object.keys(MODEL_KINDS)));
  assert.equal(numeric.length, classes.length);
  assert.deepEqual(numeric[0], { model: 'ridge', task: 'regression' });
  assert.deepEqual(classes[0], { model: 'logistic', task: 'classification' });
  const firstOther = (list: typeof numeric, task: string) => list.findIndex((c) => c.task !== task);
  assert.ok(numeric.slice(firstOther(numeric, 'regression')).every((c) => c.task === 'classification'));
  assert.ok(!numeric.some((c) => c.model === 'ridge' && c.task === 'classification'));
  assert.ok(!classes.some((c) => c.model === 'logistic' && c.task === 'regression'));
});
