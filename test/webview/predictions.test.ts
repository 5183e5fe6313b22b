import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import type { PredictionsPayload } from '../../src/protocol/predictPayloads';
import { removeDir, tempDir } from '../helpers/fixtures';
import { Rng } from '../helpers/random';
import { Lens, type LensPage } from './browser';
import { MARKUP, recordPredictions, type PredictionsRecording } from './predictRecording';
import { agrees, shownNumber } from './shown';

// Predictors trained and run by the core on a generated zoo, their cards made by the host's
// conversion, shown in the Predicted properties tab: a value, label probabilities, a predictor
// that does not fit (no number), the invariance badge in its states, and markup as text.
const rng = Rng.fresh();
let dir: string;
let lens: Lens;
let page: LensPage;
let rec: PredictionsRecording;

const card = (predictorDir: string) => page.page.locator(`article.prediction-card[data-predictor=${JSON.stringify(predictorDir)}]`);

before(async () => {
  dir = await tempDir();
  rec = await recordPredictions(dir, rng);
  lens = await Lens.launch();
  page = await lens.open();
  await page.send(rec.adapter.overview, ...rec.adapter.stream, rec.adapter.done, { kind: 'notify', method: 'predictions', params: rec.payload });
  await page.showTab('Predicted properties');
  await page.page.locator('article.prediction-card').nth(2).waitFor();
});

after(async () => {
  await lens?.close();
  if (dir) await removeDir(dir);
});

test(`the regression card shows the predicted value, its range, the training metrics and a checked invariance badge ${rng.tag}`, async () => {
  const c = card(rec.regression.dir);
  const shown = (await c.locator('.value-number').textContent()) ?? '';
  assert.ok(agrees(shown, rec.regression.prediction.value), `${shown} vs ${rec.regression.prediction.value} ${rng.tag}`);
  assert.match((await c.locator('.value-unit').textContent()) ?? '', /as labels\.csv column final_loss/);
  assert.match((await c.locator('.value-range').textContent()) ?? '', /^trained on .+ to .+/);
  const facts = await c.locator('dl.card-facts').innerText();
  assert.match(facts, /Held-out\s+R² (−?\d\.\d{3}|n\/a) · τ (−?\d\.\d{3}|n\/a)\n/);
  assert.match(facts, /Baseline\s+R² (−?\d\.\d{3}|n\/a) · τ (−?\d\.\d{3}|n\/a) \(raw factors, not invariant\)/);
  assert.match(facts, /Trained\s+3-fold CV on 10 adapters/);
  // The numbers are the manifest's training record (train-predictor's cross-validation).
  const training = rec.payload.cards.find((k) => k.predictor.dir === rec.regression.dir)?.predictor.training;
  assert.ok(training && training.cv.kind === 'regression');
  const r2 = /Held-out\s+R² (\S+)/.exec(facts)?.[1] ?? '';
  assert.ok(Number.isFinite(training.cv.r2) ? Math.abs(shownNumber(r2) - training.cv.r2) <= 5e-4 : r2 === 'n/a', `${r2} vs ${training.cv.r2}`);
  assert.match(facts, /Ran on\s+cpu/);
  const badge = c.locator('.badge');
  assert.equal(await badge.getAttribute('class'), 'badge badge-invariant');
  const text = (await badge.textContent()) ?? '';
  assert.ok(text.startsWith('✓ invariant · max change '), text);
  const change = shownNumber(text.slice(text.lastIndexOf(' ') + 1));
  assert.ok(rec.regression.report.maxRelativeChange <= 1e-4, `the spectral predictor moved by ${rec.regression.report.maxRelativeChange} ${rng.tag}`);
  // One significant digit after the point is shown.
  assert.ok(Math.abs(change - rec.regression.report.maxRelativeChange) <= 0.051 * rec.regression.report.maxRelativeChange + 1e-300, `${text} ${rng.tag}`);
  assert.equal(await c.locator('vscode-button.check-invariance').count(), 0);
});

test(`the classification card lists every label's probability as a bar, the most probable first in weight ${rng.tag}`, async () => {
  const c = card(rec.classification.dir);
  const p = rec.classification.prediction;
  assert.equal(await c.locator('.value-label').textContent(), p.label);
  const labels = await c.locator('.bar-label').allTextContents();
  assert.deepEqual([...labels].sort(), Object.keys(p.probabilities).sort());
  const texts = await c.locator('.bar-text').allTextContents();
  const widths = await c
    .locator('.bar-fill')
    .evaluateAll((fills) => fills.map((f) => (f as HTMLElement).getBoundingClientRect().width / ((f.parentElement as HTMLElement).getBoundingClientRect().width || 1)));
  labels.forEach((label, i) => {
    const q = p.probabilities[label];
    assert.ok(Math.abs(shownNumber(texts[i]) - q) <= 5e-4 + 1e-12, `${label}: ${texts[i]} vs ${q} ${rng.tag}`);
    assert.ok(Math.abs(widths[i] - q) <= 0.01, `${label}: bar ${widths[i]} vs ${q} ${rng.tag}`);
  });
  assert.match(await c.locator('dl.card-facts').innerText(), /Held-out\s+accuracy (\d\.\d{3}|n\/a) · AUC (\d\.\d{3}|n\/a)/);
  assert.equal(await c.locator('.badge').textContent(), 'invariance not checked');
});

test('a predictor for other module shapes says why and shows no number and no check', async () => {
  const c = card(rec.mismatch.dir);
  assert.match(rec.mismatch.message, /shape|module/i);
  assert.equal(await c.locator('.reason-title').textContent(), 'This predictor does not fit this adapter');
  assert.equal(await c.locator('.reason-text').textContent(), rec.mismatch.message);
  assert.equal(await c.locator('.value-number').count(), 0);
  assert.equal(await c.locator('.probability-bars').count(), 0);
  assert.equal(await c.locator('vscode-button.check-invariance').count(), 0);
});

test('Check invariance asks the host for that predictor; a check that moved shows a warning badge with its number', async () => {
  const c = card(rec.classification.dir);
  await c.locator('vscode-button.check-invariance').click();
  await page.page.waitForFunction(() => window.__lens.posted.some((m) => (m as { method?: string }).method === 'checkInvariance'));
  const asked = (await page.posted()).filter((m) => m.method === 'checkInvariance');
  assert.deepEqual(
    asked.map((m) => [m.kind, m.params]),
    [['request', { predictor: rec.classification.dir }]],
  );
  // What the host sends after a check whose outputs moved (as a raw-factor model's would).
  const moved: PredictionsPayload = {
    ...rec.payload,
    cards: rec.payload.cards.map((k) =>
      k.predictor.dir === rec.classification.dir ? { ...k, invariance: { kind: 'checked', trials: 8, maxRelativeChange: 0.37, tolerance: 1e-4, invariant: false } } : k,
    ),
  };
  await page.send({ kind: 'notify', method: 'predictions', params: moved });
  const badge = card(rec.classification.dir).locator('.badge');
  await page.page.locator('article.prediction-card .badge-moves').waitFor();
  assert.equal(await badge.textContent(), '⚠ not invariant · moves 3.7e-1');
  assert.match((await badge.getAttribute('title')) ?? '', /over 8 random GL\(r\) reparametrizations: 3\.7e-1 \(> 0\.0001\)/);
  await page.screenshot('predictions');
});

test('markup in class labels, descriptions and broken manifests shows as text: no element, no script, no dialog', async () => {
  const c = card(rec.classification.dir);
  assert.ok((await c.locator('.bar-label').allTextContents()).includes(`small ${MARKUP}`));
  assert.equal(await c.locator('.card-description').textContent(), `Size class ${MARKUP}`);
  const warnings = await page.page.locator('ul.predictor-warnings li').allTextContents();
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^Predictor not usable: .*broken: .*manifest\.json: not JSON/);
  assert.equal(await page.page.evaluate(() => document.querySelectorAll('img, script:not([src])').length), 0);
  await page.page.waitForTimeout(200);
  assert.deepEqual(page.dialogs, []);
  assert.deepEqual(page.errors, []);
  assert.deepEqual((await page.probe()).violations, []);
});
