import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { corpusPath, removeDir, tempDir, writeFixture, type FixtureTensor } from '../helpers/fixtures';
import { Rng } from '../helpers/random';
import { BUFFERS_PER_GROUP, crossLayerChunks } from '../../src/host/subspace/crossLayerChunks';
import type { CrossLayerPayload } from '../../src/protocol/subspacePayloads';
import { checkLabels } from './legible';
import { Lens, type LensPage } from './browser';
import { agrees, shownNumber } from './shown';
import { LIGHT } from './themes';
import { recordSubspace, type SubspaceRecording } from './subspaceRecording';

// Two checkpoints of one real run (corpus), and a generated third adapter on the same base
// modules: random factors for layers 0–9 and one query of another shape, so the map has a
// column near zero and the unmatched list has both kinds of reason.
const EARLY = corpusPath('peft-roberta-mrpc-ckpts', 'checkpoint-230');
const FINAL = corpusPath('peft-roberta-mrpc-ckpts', 'checkpoint-460');

let dir: string;
let lens: Lens;
let rec: SubspaceRecording;

before(async () => {
  const rng = Rng.fresh();
  const random = (n: number) => Array.from({ length: n }, () => rng.next() * 2 - 1);
  const tensors: FixtureTensor[] = [];
  for (let layer = 0; layer <= 10; layer++) {
    for (const proj of ['query', 'value']) {
      if (layer === 10 && proj === 'value') continue;
      const n = layer === 10 ? 512 : 768;
      const prefix = `base_model.model.roberta.encoder.layer.${layer}.attention.self.${proj}`;
      tensors.push({ name: `${prefix}.lora_A.weight`, shape: [8, n], values: random(8 * n) }, { name: `${prefix}.lora_B.weight`, shape: [768, 8], values: random(768 * 8) });
    }
  }
  dir = await tempDir();
  const extra = await writeFixture(dir, 'roberta-partial-lora.safetensors', tensors, { config: { peft_type: 'LORA', r: 8, lora_alpha: 16, target_modules: ['query', 'value'] } });
  rec = await recordSubspace(EARLY, FINAL, extra);
  lens = await Lens.launch();
});

after(async () => {
  await lens?.close();
  if (dir) await removeDir(dir);
});

async function openPanel(messages: readonly unknown[]): Promise<LensPage> {
  const page = await lens.open(undefined, 'subspace.html');
  await page.send(...messages);
  return page;
}

/** Hovers the centre of cell (row, col) of a canvas heatmap and returns the tooltip text. */
async function hoverCell(page: LensPage, scope: string, row: number, col: number, cellWidth: number, cellHeight: number): Promise<string> {
  const canvas = page.page.locator(`${scope} canvas`).first();
  const box = await canvas.boundingBox();
  assert.ok(box, `${scope} has a canvas`);
  await page.page.mouse.move(box.x + (col + 0.5) * cellWidth, box.y + (row + 0.5) * cellHeight);
  const tooltip = page.page.locator(`${scope} .tooltip`).first();
  await tooltip.waitFor({ state: 'visible' });
  return (await tooltip.textContent()) ?? '';
}

const valueOf = (tooltip: string) => tooltip.slice(tooltip.lastIndexOf(' ') + 1);

test('the comparison map shows every module against both adapters; hover values are the core’s cosines', async () => {
  const page = await openPanel(rec.compareMessages);
  await page.page.locator('.labelled-map canvas').waitFor();
  assert.match((await page.page.locator('.subspace-status').textContent()) ?? '', /Computed in/);
  const names = await page.page.locator('.map-row').allTextContents();
  assert.deepEqual(
    names,
    rec.comparison.modules.map((m) => m.name),
  );
  assert.deepEqual(await page.page.locator('.map-column').allTextContents(), ['checkpoint-460', 'roberta-partial-lora']);
  for (const i of [0, 7, 23]) {
    const text = await hoverCell(page, '.labelled-map', i, 0, 112, 14);
    assert.ok(text.startsWith(`${rec.comparison.modules[i].name} · checkpoint-460`), text);
    assert.ok(agrees(valueOf(text), rec.comparison.modules[i].cosine ?? NaN), `${text} vs ${rec.comparison.modules[i].cosine}`);
  }
  const random = rec.extraComparison.modules[3];
  const text = await hoverCell(page, '.labelled-map', 3, 1, 112, 14);
  assert.ok(text.startsWith(`${random.name} · roberta-partial-lora`) && agrees(valueOf(text), random.cosine ?? NaN), text);
  assert.ok(Math.abs(random.cosine ?? 1) < 0.1, 'random factors are nearly orthogonal to the trained ΔW');
  // The row of a module the third adapter lacks is blank there: its value is a dash.
  assert.match(await hoverCell(page, '.labelled-map', 23, 1, 112, 14), /= —$/);
  // The colour key: −1 to 1 for the cosine, then 0 to 1 for the subspace metrics.
  assert.deepEqual(await page.page.locator('.heatmap-key-value').allTextContents(), ['−1', '1']);
  await page.page.locator('select.metric').selectOption('columnCosine');
  await page.page.waitForFunction(() => document.querySelector('.heatmap-key-value.min')?.textContent === '0');
  assert.match((await page.page.locator('.heatmap-key-meaning').textContent()) ?? '', /same subspace/);
  const column = await hoverCell(page, '.labelled-map', 5, 0, 112, 14);
  const cosines = rec.comparison.modules[5].column.cosines;
  assert.ok(agrees(valueOf(column), cosines.reduce((s, c) => s + c, 0) / cosines.length), column);
  await page.page.locator('select.metric').selectOption('cosine');
  await page.page.mouse.move(1, 1);
  await page.screenshot('subspace-map');
  // A theme switch repaints the canvas from the new theme's variables.
  await page.applyTheme(LIGHT);
  await page.page.waitForTimeout(100);
  const pixel = await page.page.locator('.labelled-map canvas').evaluate((canvas) => [...((canvas as HTMLCanvasElement).getContext('2d')?.getImageData(2, 2, 1, 1).data ?? [])]);
  const light = await hoverCell(page, '.labelled-map', 0, 0, 112, 14);
  assert.ok(agrees(valueOf(light), rec.comparison.modules[0].cosine ?? NaN), light);
  assert.ok(pixel[0] > pixel[2] + 40, `a positive cosine paints red-ish: ${pixel.join(',')}`);
  await page.page.mouse.move(1, 1);
  await page.screenshot('subspace-map-light');
  assert.deepEqual((await page.probe()).violations, []);
  assert.deepEqual(page.errors, []);
  await page.page.close();
});

test('the unmatched list names each module and why it was left out; by-depth draws the three series over 12 blocks', async () => {
  const page = await openPanel(rec.compareMessages);
  const unmatched = rec.extraComparison.unmatched;
  await page.page.locator('vscode-tab-header', { hasText: `Unmatched (${unmatched.length})` }).click();
  const rows = page.page.locator('table.unmatched tbody tr');
  assert.equal(await rows.count(), unmatched.length);
  const texts = await rows.allTextContents();
  const shape = unmatched.find((u) => /shapes differ/.test(u.reason));
  assert.ok(shape, 'the odd-shaped query is unmatched');
  assert.ok(
    texts.some((t) => t.includes(shape.name) && t.includes(shape.reason) && t.includes('in both')),
    texts.join('\n'),
  );
  assert.ok(
    texts.some(
      (t) => t.includes('only in checkpoint-230') && t.includes('roberta.encoder.layer.11.attention.self.query') && t.includes('no module of B adapts the same base module'),
    ),
  );
  await page.screenshot('subspace-unmatched');
  await page.page.locator('vscode-tab-header', { hasText: 'By depth' }).click();
  const paths = page.page.locator('.panel-depth svg.line-chart g.series path');
  assert.equal(await paths.count(), 3);
  for (const d of await paths.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('d') ?? ''))) assert.equal((d.match(/[ML]/g) ?? []).length, 12, d);
  const first = await page.page.locator('.panel-depth g.series[data-key="cosine"] circle title').first().textContent();
  const depth0 = rec.comparison.modules.slice(0, 2).reduce((s, m) => s + (m.cosine ?? 0), 0) / 2;
  assert.ok(agrees(valueOf(first ?? ''), depth0), `${first} vs ${depth0}`);
  await page.screenshot('subspace-depth');
  assert.deepEqual(page.errors, []);
  await page.page.close();
});

test('clicking a map cell asks the host for that module’s φ grid and draws the answer', async () => {
  const page = await openPanel(rec.compareMessages);
  await page.page.locator('.labelled-map canvas').waitFor();
  const index = rec.comparison.modules.findIndex((m) => m.name === rec.gridModule);
  const box = await page.page.locator('.labelled-map canvas').boundingBox();
  assert.ok(box);
  await page.page.mouse.click(box.x + 56, box.y + (index + 0.5) * 14);
  await page.page.waitForFunction(() => window.__lens.posted.some((m) => (m as { method?: string }).method === 'phiGrid'));
  const request = (await page.posted()).find((m) => m.method === 'phiGrid');
  assert.deepEqual(request?.params, { module: rec.gridModule, other: 0 });
  assert.match((await page.page.locator('.panel-phi .placeholder').textContent()) ?? '', /Computing/);
  await page.send({ kind: 'response', id: request?.id, result: rec.grid });
  await page.page.locator('.panel-phi .phi-column canvas').waitFor();
  const { rows } = rec.grid.column;
  const cell = Math.max(6, Math.min(40, Math.floor(320 / rows)));
  const text = await hoverCell(page, '.panel-phi .phi-column', 2, 4, cell, cell);
  assert.ok(text.startsWith('φ(3, 5) = '), text);
  assert.ok(agrees(valueOf(text), rec.grid.column.values[4 * rows + 2]), text);
  await page.page.mouse.move(1, 1);
  await page.screenshot('subspace-phi');
  assert.deepEqual(page.errors, []);
  await page.page.close();
});

test('checkpoint convergence draws one curve per module, filtered by module type, with the core’s values', async () => {
  const page = await openPanel(rec.convergenceMessages);
  const curves = page.page.locator('.convergence-cosine g.series');
  await curves.first().waitFor();
  assert.equal(await curves.count(), rec.series.modules.length);
  assert.equal(await page.page.locator('.convergence-angle g.series').count(), rec.series.modules.length);
  const m = rec.series.modules[4];
  const titles = await page.page.locator(`.convergence-cosine g.series[data-key="${m.name}"] circle title`).allTextContents();
  assert.equal(titles.length, 2);
  assert.ok(titles[0].startsWith(`${m.name}\nstep 230: `) && agrees(valueOf(titles[0]), m.cosineToFinal[0] ?? NaN), titles[0]);
  const angle = await page.page.locator(`.convergence-angle g.series[data-key="${m.name}"] circle title`).first().textContent();
  assert.ok(agrees(valueOf(angle ?? ''), m.topAngleToFinal[0] ?? NaN), angle ?? '');
  await page.screenshot('subspace-convergence-all');
  await page.page.locator('select.module-type').selectOption('attention.self.query');
  await page.page.waitForFunction(() => document.querySelectorAll('.convergence-cosine g.series').length === 12);
  await page.screenshot('subspace-convergence');
  assert.deepEqual(page.errors, []);
  await page.page.close();
});

test('cross-layer maps show column φ, row φ and cosine per module type, with the random baseline beside', async () => {
  const page = await openPanel(rec.crossLayerMessages);
  await page.page.locator('.cross-column canvas').waitFor();
  const group = rec.maps.groups[0];
  const L = group.layers.length;
  const cell = Math.max(6, Math.min(40, Math.floor(300 / L)));
  for (const [key, matrix] of [
    ['column', group.column],
    ['row', group.row],
    ['cosine', group.cosine],
  ] as const) {
    const text = await hoverCell(page, `.cross-${key}`, 1, 6, cell, cell);
    assert.ok(text.startsWith('layer 1 × layer 6: '), text);
    assert.ok(agrees(valueOf(text), matrix.data[6 * L + 1]), `${key}: ${text}`);
  }
  const baseline = await page.page.locator('.cross-column .baseline').textContent();
  assert.ok(agrees(valueOf(baseline ?? ''), group.random.column), baseline ?? '');
  await page.page.locator('select.group').selectOption('1');
  await page.page.locator('select.scale').selectOption('offDiagonal');
  const second = rec.maps.groups[1];
  let top = 0;
  for (let j = 0; j < L; j++)
    for (let i = 0; i < L; i++) if (i !== j && Number.isFinite(second.column.data[j * L + i])) top = Math.max(top, Math.abs(second.column.data[j * L + i]));
  const scaleNote = await page.page.locator('.cross-column .heatmap-key-value.max').textContent();
  assert.ok(agrees(valueOf(scaleNote ?? ''), top), scaleNote ?? '');
  // Every map has a colour key (0 or −top to top, and what the colour means) and layer numbers on both sides.
  for (const key of ['column', 'row', 'cosine']) {
    const min = (await page.page.locator(`.cross-${key} .heatmap-key-value.min`).textContent()) ?? '';
    assert.ok(key === 'cosine' ? shownNumber(min) < 0 : shownNumber(min) === 0, `${key} key starts at ${min}`);
    assert.ok(((await page.page.locator(`.cross-${key} .heatmap-key-meaning`).textContent()) ?? '').length > 10);
    const ramp = await page.page.locator(`.cross-${key} .heatmap-ramp`).evaluate((r) => getComputedStyle(r).backgroundImage);
    assert.match(ramp, /linear-gradient/);
    for (const axis of ['x', 'y']) {
      const ticks = await checkLabels(page.page.locator(`.cross-${key} .layer-ticks.${axis} .layer-tick`));
      assert.equal(ticks.texts[0], '0', `${key} ${axis}: ${ticks.texts}`);
      assert.equal(ticks.texts[ticks.texts.length - 1], String(second.layers.length - 1), `${key} ${axis}: ${ticks.texts}`);
      assert.deepEqual(ticks.overlaps, [], `${key} ${axis}`);
      assert.deepEqual(ticks.unreadable, [], `${key} ${axis}`);
    }
  }
  // A tick sits over the centre of its layer's cell.
  const canvasBox = await page.page.locator('.cross-column canvas').boundingBox();
  const lastTick = await page.page.locator('.cross-column .layer-ticks.x .layer-tick').last().boundingBox();
  const secondCell = Math.max(6, Math.min(40, Math.floor(300 / second.layers.length)));
  if (canvasBox && lastTick) {
    const centre = canvasBox.x + (second.layers.length - 0.5) * secondCell;
    assert.ok(Math.abs(lastTick.x + lastTick.width / 2 - centre) < 1.5, `last tick at ${lastTick.x + lastTick.width / 2}, cell centre ${centre}`);
  } else assert.fail('no canvas or tick box');
  // And down the side: nothing (an export bar) sits between the row labels and the map's rows.
  const lastRow = await page.page.locator('.cross-column .layer-ticks.y .layer-tick').last().boundingBox();
  if (canvasBox && lastRow) {
    const middle = canvasBox.y + (second.layers.length - 0.5) * secondCell;
    assert.ok(Math.abs(lastRow.y + lastRow.height / 2 - middle) < 1.5, `last row label at ${lastRow.y + lastRow.height / 2}, cell middle ${middle}`);
  } else assert.fail('no canvas or row label box');
  await page.page.mouse.move(1, 1);
  await page.screenshot('subspace-crosslayer');
  assert.deepEqual((await page.probe()).violations, []);
  assert.deepEqual(page.errors, []);
  await page.page.close();
});

test('the similarity map exports as a PNG of the canvas’s own pixels, through the host’s save dialog', async () => {
  const page = await openPanel(rec.compareMessages);
  const canvas = page.page.locator('.labelled-map canvas');
  await canvas.waitFor();
  const size = await canvas.evaluate((c) => ({ width: (c as HTMLCanvasElement).width, height: (c as HTMLCanvasElement).height }));
  // One bar for the one map, however often the view redrew it.
  assert.equal(await page.page.locator('.panel-map .chart-export').count(), 1);
  await page.page.locator('.panel-map .chart-export button', { hasText: 'PNG' }).first().click();
  await page.page.waitForFunction(() => window.__lens.posted.some((m) => (m as { method?: string }).method === 'saveExport'));
  const saved = (await page.posted()).find((m) => m.method === 'saveExport')?.params as { name: string; kind: string; data: string; encoding: string };
  assert.equal(saved.kind, 'png');
  assert.match(saved.name, /\.png$/);
  const bytes = Buffer.from(saved.data, 'base64');
  assert.deepEqual([...bytes.subarray(0, 4)], [137, 80, 78, 71]);
  assert.equal(bytes.readUInt32BE(16), size.width);
  assert.equal(bytes.readUInt32BE(20), size.height);
  assert.deepEqual((await page.probe()).violations, []);
  assert.deepEqual(page.errors, []);
  await page.page.close();
});

test('cross-layer groups sent in several messages (as the host batches them) all reach the module-type picker', async () => {
  const message = rec.crossLayerMessages[1] as { params: CrossLayerPayload };
  // One group per message: the smallest batches the host could send.
  const { first, rest } = crossLayerChunks(message.params, BUFFERS_PER_GROUP);
  assert.ok(rest.length >= 1, 'the recording has at least two module types');
  const page = await openPanel([
    rec.crossLayerMessages[0],
    { kind: 'notify', method: 'crossLayer', params: first },
    ...rest.map((groups) => ({ kind: 'notify', method: 'crossLayerGroups', params: { groups } })),
  ]);
  const groups = message.params.groups;
  await page.page.waitForFunction((n) => document.querySelectorAll('select.group option').length === n, groups.length);
  const last = groups.length - 1;
  await page.page.locator('select.group').selectOption(String(last));
  await page.page.locator('select.scale').selectOption('unit');
  const g = groups[last];
  const L = g.layers.length;
  const cell = Math.max(6, Math.min(40, Math.floor(300 / L)));
  const text = await hoverCell(page, '.cross-cosine', 0, 1, cell, cell);
  assert.ok(agrees(valueOf(text), g.cosine.values[1 * L + 0]), `${text} vs ${g.cosine.values[L]}`);
  assert.deepEqual(page.errors, []);
  await page.page.close();
});
