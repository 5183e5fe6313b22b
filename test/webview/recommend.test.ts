import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { rankPlanPayload } from '../../src/host/resize/planPayload';
import type { RankMethodPayload, RankPlanPayload } from '../../src/protocol/resizePayloads';
import { corpusPath } from '../helpers/fixtures';
import { Lens, type LensPage } from './browser';
import { recordAdapter, type Recording } from './recording';
import { agrees } from './shown';

// A real PEFT adapter (Qwen2.5-0.5B, r = 8, q/v projections of 24 blocks). The page asks the host
// for a recommendation; the test answers as the host does, with the host's own plan function
// over the spectra the core computed for the file.
const MARKUP = '<img src=x onerror=alert(1)>';

let lens: Lens;
let page: LensPage;
let rec: Recording;

before(async () => {
  rec = await recordAdapter(corpusPath('peft-qwen25-muzammel', 'adapter_model.safetensors'));
  lens = await Lens.launch();
  page = await lens.open();
  await page.send(rec.overview, ...rec.stream, rec.done);
});

after(async () => {
  await lens?.close();
});

/** Waits for the `n`-th recommendRanks request (1-based) and returns its id and method. */
async function request(n: number): Promise<{ id: number; method: RankMethodPayload }> {
  await page.page.waitForFunction((count) => window.__lens.posted.filter((m) => (m as { method?: string }).method === 'recommendRanks').length >= count, n);
  const asked = (await page.posted()).filter((m) => m.method === 'recommendRanks');
  const r = asked[n - 1];
  return { id: r.id ?? -1, method: (r.params as { method: RankMethodPayload }).method };
}

async function answer(id: number, result: RankPlanPayload): Promise<void> {
  await page.send({ kind: 'response', id, result });
}

const caption = () => page.page.locator('.rec-caption');
const markers = () => page.page.locator('svg.rank-chart rect.rec-marker');

async function pickMethod(label: string): Promise<void> {
  const select = page.page.locator('vscode-single-select.rec-method');
  await select.click();
  await select.locator('li.option', { hasText: label }).first().click();
}

test('the ranks view asks for the 95 % energy recommendation and draws a marker per layer at the kept rank', async () => {
  await page.showTab('Ranks');
  const first = await request(1);
  assert.deepEqual(first.method, { kind: 'energy', level: 0.95 });
  assert.equal(await caption().textContent(), 'Computing the recommendation…');
  const plan = rankPlanPayload(rec.overview.params.layers, rec.results, first.method);
  await answer(first.id, plan);
  await page.page.waitForFunction(() => document.querySelectorAll('svg.rank-chart rect.rec-marker').length === 48);
  // Each marker's height over the axis is its kept rank, measured against the same layer's configured-rank bar.
  for (const j of [0, 7, 23, 47]) {
    const index = plan.indices[j];
    const marker = markers().and(page.page.locator(`[data-index="${index}"]`));
    assert.equal(await marker.getAttribute('data-kept'), String(plan.kept[j]));
    const rankBar = page.page.locator(`svg.rank-chart rect.series-rank[data-index="${index}"]`);
    const [y, h, barY, barH] = [
      Number(await marker.getAttribute('y')),
      Number(await marker.getAttribute('height')),
      Number(await rankBar.getAttribute('y')),
      Number(await rankBar.getAttribute('height')),
    ];
    const bottom = barY + barH;
    assert.ok(Math.abs((bottom - (y + h / 2)) / barH - plan.kept[j] / plan.rank[j]) < 1e-9, `layer ${index}`);
  }
  const text = (await caption().textContent()) ?? '';
  assert.ok(text.startsWith('95 % energy: keeps '), text);
  const overall = /overall relative error ([\d.]+)%/.exec(text)?.[1] ?? '';
  assert.ok(agrees(overall, 100 * plan.overallRelativeError), `${overall} vs ${plan.overallRelativeError}`);
  assert.match(text, new RegExp(`parameters ${plan.paramsBefore.toLocaleString('en-US')} → ${plan.paramsAfter.toLocaleString('en-US')}`));
  assert.equal(await page.page.locator('svg.rank-chart path.rec-error').count(), 24, 'one error line per block');
  assert.equal(await page.page.locator('svg.rank-chart g.axis.error .axis-title').textContent(), 'relative error');
  await page.page.mouse.move(1, 1);
  await page.screenshot('ranks-recommended');
});

test('picking kohya sv_fro asks again with its default; the markers and caption follow the answer', async () => {
  await pickMethod('kohya sv_fro');
  const second = await request(2);
  assert.deepEqual(second.method, { kind: 'sv_fro', target: 0.9 });
  const plan = rankPlanPayload(rec.overview.params.layers, rec.results, second.method);
  await answer(second.id, plan);
  await page.page.locator('.rec-caption', { hasText: 'kohya sv_fro 0.9: keeps' }).waitFor();
  const kept = await markers().evaluateAll((nodes) => nodes.map((n): [number, number] => [Number(n.getAttribute('data-index')), Number(n.getAttribute('data-kept'))]));
  assert.deepEqual(new Map(kept), new Map([...plan.indices].map((index, j) => [index, plan.kept[j]])));
  const tip = await markers().first().locator('title').textContent();
  const j = plan.indices.indexOf(kept[0][0]);
  assert.match(tip ?? '', new RegExp(`recommended rank: ${plan.kept[j]} of ${plan.rank[j]}`));
  assert.deepEqual((await page.probe()).state && ((await page.probe()).state as { recommend: unknown }).recommend, { kind: 'sv_fro', param: 0.9 });
});

test('a refused parameter says why and asks nothing; a good one asks again', async () => {
  const field = page.page.locator('vscode-textfield.rec-param input');
  await field.fill('1.5');
  await page.page.locator('.rec-param-error', { hasText: 'at most 1' }).waitFor();
  await page.page.waitForTimeout(100);
  assert.equal((await page.posted()).filter((m) => m.method === 'recommendRanks').length, 2);
  await field.fill('0.5');
  const third = await request(3);
  assert.deepEqual(third.method, { kind: 'sv_fro', target: 0.5 });
  assert.equal(await page.page.locator('.rec-param-error').textContent(), '');
  const plan = rankPlanPayload(rec.overview.params.layers, rec.results, third.method);
  await answer(third.id, plan);
  await page.page.locator('.rec-caption', { hasText: 'kohya sv_fro 0.5: keeps' }).waitFor();
});

test('text in the answer shows as text, and a host error shows in place of the caption', async () => {
  await pickMethod('Fixed rank');
  const fourth = await request(4);
  assert.deepEqual(fourth.method, { kind: 'fixed', rank: 4 });
  const plan = rankPlanPayload(rec.overview.params.layers, rec.results, fourth.method);
  await answer(fourth.id, { ...plan, description: MARKUP });
  await page.page.locator('.rec-caption', { hasText: `${MARKUP}: keeps` }).waitFor();
  await pickMethod('Budget: total rank');
  const fifth = await request(5);
  assert.deepEqual(fifth.method, { kind: 'budget', unit: 'rank', total: 4 * 48 });
  await page.send({ kind: 'error', id: fifth.id, error: { message: `budget too small ${MARKUP}`, code: 'BUDGET_TOO_SMALL' } });
  await page.page.locator('.rec-caption.error', { hasText: `No recommendation: budget too small ${MARKUP}` }).waitFor();
  assert.equal(await page.page.evaluate(() => document.querySelectorAll('img, script:not([src])').length), 0);
  await page.page.waitForTimeout(100);
  assert.deepEqual(page.dialogs, []);
  assert.deepEqual((await page.probe()).violations, []);
});

test('Resize Adapter… asks the host with the method chosen in the view', async () => {
  await page.page.locator('vscode-button.rec-resize').click();
  await page.page.locator('.notice', { hasText: 'Resized adapter written to /tmp/resized-adapter' }).waitFor();
  const resize = (await page.posted()).filter((m) => m.method === 'resizeAdapter');
  assert.deepEqual(
    resize.map((m) => m.params),
    [{ method: { kind: 'budget', unit: 'rank', total: 4 * 48 } }],
  );
  assert.deepEqual(page.errors, []);
});
