import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { PredictionCard, PredictorInfo } from '../../../src/protocol/predictPayloads';
import { badgeOf, cardModel, metricText, predictionsModel, valueOf } from '../../../webview/model/predictionCards';
import { Rng } from '../../helpers/random';

const info: PredictorInfo = {
  dir: '/ws/.lora-lens/predictors/loss-ridge',
  name: 'loss-ridge',
  version: '2',
  description: 'ridge',
  model: 'ridge',
  source: 'workspace',
  training: { adapters: 48, folds: 5, cv: { kind: 'regression', r2: 0.2766, kendallTau: -0.4043 }, baseline: { kind: 'classification', accuracy: Number.NaN, auc: 0.5 } },
};

test('probabilities become bars whose lengths are the probabilities, the largest marked', () => {
  const rng = Rng.fresh();
  const n = rng.int(2, 6);
  const raw = Array.from({ length: n }, () => Math.exp(2 * rng.normal()));
  const total = raw.reduce((s, v) => s + v, 0);
  const probabilities = Float64Array.from(raw, (v) => v / total);
  const labels = raw.map((_, i) => `class ${i}`);
  const v = valueOf({ kind: 'classification', target: 't', label: 'class 0', labels, probabilities });
  assert.equal(v.kind, 'bars');
  if (v.kind !== 'bars') return;
  const best = probabilities.indexOf(Math.max(...probabilities));
  v.bars.forEach((bar, i) => {
    assert.equal(bar.label, labels[i]);
    assert.equal(bar.width, probabilities[i], rng.tag);
    assert.equal(bar.best, i === best, rng.tag);
    assert.equal(bar.text, `${(probabilities[i] * 100).toFixed(1)}%`, rng.tag);
  });
  // Rounding past [0, 1] in a model's output never draws a bar out of its track.
  const clamped = valueOf({ kind: 'classification', target: 't', label: 'a', labels: ['a', 'b'], probabilities: Float64Array.of(1 + 1e-15, -1e-15) });
  assert.deepEqual(clamped.kind === 'bars' ? clamped.bars.map((b) => b.width) : null, [1, 0]);
});

test('a regression value says whether it lies outside the training range', () => {
  const inside = valueOf({ kind: 'regression', target: 'loss', value: 0.5, unit: 'nats', range: [0, 1] });
  assert.deepEqual(inside, { kind: 'number', target: 'loss', text: '0.5', unit: 'nats', range: 'trained on 0 to 1', outside: false });
  const outside = valueOf({ kind: 'regression', target: 'loss', value: -0.25, unit: 'nats', range: [0, 1] });
  assert.equal(outside.kind === 'number' && outside.outside, true);
  assert.equal(outside.kind === 'number' && outside.text, '−0.25');
  const noRange = valueOf({ kind: 'regression', target: 'loss', value: 2e-5, unit: '', range: null });
  assert.deepEqual(noRange.kind === 'number' ? [noRange.text, noRange.range, noRange.outside] : null, ['2e-5', null, false]);
});

test('a mismatch or a failure shows its reason and no number', () => {
  assert.deepEqual(valueOf({ kind: 'mismatch', message: 'module x is 64×32' }), {
    kind: 'reason',
    tone: 'mismatch',
    title: 'This predictor does not fit this adapter',
    text: 'module x is 64×32',
  });
  assert.equal(valueOf({ kind: 'failed', message: 'bad onnx' }).kind, 'reason');
  const card: PredictionCard = { predictor: info, provider: { name: 'cpu', fallbackReason: null }, outcome: { kind: 'mismatch', message: 'm' }, invariance: { kind: 'unchecked' } };
  const model = cardModel(card);
  assert.equal(model.badge.canCheck, false);
  assert.equal(model.provider, null);
});

test('the badge: ✓ at or under the tolerance, a warning with the number over it, a button only where a check can run', () => {
  const rng = Rng.fresh();
  const small = 1e-15 * Math.exp(rng.normal());
  const ok = badgeOf({ kind: 'checked', trials: 8, maxRelativeChange: small, tolerance: 1e-4, invariant: true }, true);
  assert.equal(ok.kind, 'invariant');
  assert.equal(ok.text, `✓ invariant · max change ${small.toExponential(1)}`, rng.tag);
  assert.equal(ok.canCheck, false);
  const moved = badgeOf({ kind: 'checked', trials: 8, maxRelativeChange: 0.0123, tolerance: 1e-4, invariant: false }, true);
  assert.deepEqual([moved.kind, moved.text, moved.canCheck], ['moves', '⚠ not invariant · moves 1.2e-2', true]);
  assert.match(moved.title, /over 8 random GL\(r\) reparametrizations: 1\.2e-2 \(> 0\.0001\)/);
  assert.equal(badgeOf({ kind: 'checked', trials: 3, maxRelativeChange: 0, tolerance: 1e-4, invariant: true }, true).text, '✓ invariant · max change 0');
  assert.deepEqual([badgeOf({ kind: 'unchecked' }, true).canCheck, badgeOf({ kind: 'unchecked' }, false).canCheck], [true, false]);
  assert.equal(badgeOf({ kind: 'checking' }, true).canCheck, false);
  assert.deepEqual([badgeOf({ kind: 'failed', message: 'why' }, true).title, badgeOf({ kind: 'failed', message: 'why' }, true).kind], ['why', 'failed']);
});

test('metrics as text with d3 minus signs and n/a for undefined ones; the card lists version, model and source', () => {
  assert.equal(metricText({ kind: 'regression', r2: 0.2766, kendallTau: -0.4043 }), 'R² 0.277 · τ −0.404');
  assert.equal(metricText({ kind: 'classification', accuracy: Number.NaN, auc: 0.5 }), 'accuracy n/a · AUC 0.500');
  const model = cardModel({
    predictor: info,
    provider: { name: 'cuda', fallbackReason: null },
    outcome: { kind: 'regression', target: 'loss', value: 1, unit: 'u', range: null },
    invariance: { kind: 'unchecked' },
  });
  assert.equal(model.subtitle, 'v2 · ridge · workspace');
  assert.deepEqual(model.metric, { model: 'R² 0.277 · τ −0.404', baseline: 'accuracy n/a · AUC 0.500', detail: '5-fold CV on 48 adapters' });
  assert.equal(model.provider, 'cuda');
  assert.equal(model.badge.canCheck, true);
});

test('the panel status follows the analysis and says what to do without predictors', () => {
  assert.equal(predictionsModel(null).cards.length, 0);
  assert.match(predictionsModel({ status: 'done', cards: [], broken: [] }).status, /No property predictor found/);
  assert.equal(predictionsModel({ status: 'done', cards: [], broken: [] }).empty, true);
  const card: PredictionCard = { predictor: info, provider: null, outcome: { kind: 'pending' }, invariance: { kind: 'unchecked' } };
  assert.match(predictionsModel({ status: 'waiting', cards: [card], broken: [] }).status, /when the analysis has finished/);
  assert.equal(predictionsModel({ status: 'running', cards: [card], broken: [] }).status, 'Predicting…');
  const done = predictionsModel({ status: 'done', cards: [card, card], broken: [{ dir: '/x', error: 'not JSON' }] });
  assert.equal(done.status, '2 predictors');
  assert.deepEqual(done.warnings, ['/x: not JSON']);
});

test('notes of predictors left out on purpose reach the model; a payload without them has none', () => {
  assert.deepEqual(predictionsModel({ status: 'done', cards: [], broken: [], notes: ['workspace predictors run when the folder is trusted'] }).notes, [
    'workspace predictors run when the folder is trusted',
  ]);
  assert.deepEqual(predictionsModel({ status: 'done', cards: [], broken: [] }).notes, []);
});
