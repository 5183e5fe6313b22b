import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { rankPlanPayload } from '../../src/host/resize/planPayload';
import type { LayerAnalysis } from '../../src/protocol/payloads';
import { gradedPair } from '../helpers/factors';
import { removeDir, tempDir, writeFixture, type FixtureTensor } from '../helpers/fixtures';
import { Rng } from '../helpers/random';
import { overviewGrid } from '../../webview/model/rankOverviewModel';
import { Lens, type LensPage } from './browser';
import { recordAdapter, type Recording } from './recording';
import { agrees } from './shown';
import { HIGH_CONTRAST, LIGHT } from './themes';

// A PEFT adapter shaped like Llama-3-8B's (32 layers × q/k/v/o/gate/up/down = 224 modules),
// with small matrices so the core analyses it in a moment, and spectra of random spread so
// the map has something to show.
const LAYERS = 32;
const TYPES: readonly (readonly [string, number, number])[] = [
  ['self_attn.q_proj', 32, 32],
  ['self_attn.k_proj', 16, 32],
  ['self_attn.v_proj', 16, 32],
  ['self_attn.o_proj', 32, 32],
  ['mlp.gate_proj', 48, 32],
  ['mlp.up_proj', 48, 32],
  ['mlp.down_proj', 32, 48],
];
const RANK = 8;
const VIEW_WIDTH = 1018;

const rng = Rng.fresh();
let dir = '';
let lens: Lens;
let page: LensPage;
let rec: Recording;

before(async () => {
  dir = await tempDir();
  const tensors: FixtureTensor[] = [];
  for (let l = 0; l < LAYERS; l++) {
    for (const [type, m, n] of TYPES) {
      const { A, B } = gradedPair(rng, m, n, RANK, 10 ** (rng.next() * 5));
      const name = `base_model.model.model.layers.${l}.${type}`;
      tensors.push({ name: `${name}.lora_A.weight`, shape: [A.rows, A.cols], values: A.data }, { name: `${name}.lora_B.weight`, shape: [B.rows, B.cols], values: B.data });
    }
  }
  const file = await writeFixture(dir, 'adapter_model.safetensors', tensors, {
    config: { peft_type: 'LORA', r: RANK, lora_alpha: 2 * RANK, target_modules: TYPES.map(([t]) => t.split('.')[1]) },
  });
  rec = await recordAdapter(file);
  lens = await Lens.launch();
  page = await lens.open();
  await page.page.setViewportSize({ width: VIEW_WIDTH, height: 900 });
  await page.send(rec.overview, ...rec.stream, rec.done);
});

after(async () => {
  await lens?.close();
  await removeDir(dir);
});

/** Effective rank exp(H(σ²/Σσ²)) from the singular values, in float64: the reference for the readout. */
function effectiveRank(result: LayerAnalysis): number {
  if (result.status !== 'ok') return Number.NaN;
  let total = 0;
  for (const s of result.singularValues) total += s * s;
  let h = 0;
  for (const s of result.singularValues) {
    const p = (s * s) / total;
    if (p > 0) h -= p * Math.log(p);
  }
  return Math.exp(h);
}

const map = () => page.page.locator('.rank-overview');
const tooltip = () => page.page.locator('.rank-overview .tooltip');

/** Page coordinates of a cell's centre, from the geometry the overview publishes. */
async function cellPoint(row: number, col: number): Promise<{ x: number; y: number }> {
  const box = await page.page.locator('.rank-overview canvas').boundingBox();
  const d = await map().evaluate((e) => ({ ...(e as HTMLElement).dataset }));
  assert.ok(box, 'the overview canvas is laid out');
  return { x: box.x + Number(d.left) + (col + 0.5) * Number(d.cellWidth), y: box.y + Number(d.top) + (row + 0.5) * Number(d.cellHeight) };
}

/**
 * Nothing in the ranks panel is wider than the view: no horizontal scrolling anywhere. A panel
 * that just changed width (the details pane opening) gets a moment to lay out again.
 */
async function overflow(): Promise<string[]> {
  for (let tries = 0; tries < 30; tries++) {
    if ((await page.page.evaluate(measureOverflow)) === null) return [];
    await page.page.waitForTimeout(100);
  }
  return (await page.page.evaluate(measureOverflow)) ?? [];
}

/** What overflows, null when nothing does (runs in the page). */
function measureOverflow(): string[] | null {
  {
    const panel = document.querySelector('vscode-tab-panel.panel-ranks') as HTMLElement;
    const right = panel.getBoundingClientRect().right + 0.5;
    const out: string[] = [];
    for (const e of [document.scrollingElement as HTMLElement, panel, ...Array.from(panel.querySelectorAll<HTMLElement>('.chart-scroll'))]) {
      if (e.scrollWidth > e.clientWidth + 1) out.push(`${e.className || e.tagName} scrolls: ${e.scrollWidth} > ${e.clientWidth}`);
    }
    for (const e of Array.from(panel.querySelectorAll('canvas, svg.chart'))) {
      const r = e.getBoundingClientRect();
      if (r.width > 0 && r.right > right) out.push(`${e.getAttribute('class') ?? e.tagName} ends at ${r.right} > ${right}`);
    }
    return out.length === 0 ? null : out;
  }
}

test('224 modules open on the layer × module-type overview, which fits a 1018 px view', async () => {
  await page.page.locator('.status-text', { hasText: 'Analysed 224 of 224' }).waitFor();
  await page.showTab('Ranks');
  await map().locator('canvas').waitFor();
  assert.equal(await page.page.locator('.panel-ranks > .chart-scroll').isHidden(), true, 'the all-module bar chart gives way to the overview');
  assert.equal((await map().locator('.axis.x .tick').count()) > 4, true);
  assert.deepEqual(await overflow(), [], rng.tag);
  // Rotated layer labels a line apart at least, so none overlap.
  const xs = await map()
    .locator('.axis.x .tick')
    .evaluateAll((ticks) => ticks.map((t) => t.getBoundingClientRect().left));
  for (let i = 1; i < xs.length; i++) assert.ok(xs[i] - xs[i - 1] >= 12, `layer labels ${i - 1} and ${i} are ${xs[i] - xs[i - 1]} px apart`);
  // Module types are short enough to show whole, one label per row.
  assert.deepEqual((await map().locator('.axis.y .tick tspan').allTextContents()).sort(), TYPES.map(([t]) => t).sort());
  // Layers by their number: the shared `layers.` is dropped, not the part that differs.
  const numbers = (await map().locator('.axis.x .tick tspan').allTextContents()).map(Number);
  assert.equal(numbers[0], 0);
  for (let i = 1; i < numbers.length; i++) assert.ok(numbers[i] > numbers[i - 1], `layer labels ${numbers.join(' ')}`);
  // The cells run from near the background to the theme's series colour. A series colour the
  // canvas reads back in a form the map could not parse (Chromium's `color(srgb …)` for the
  // relative colours of media/webview.css) once painted every cell near black.
  const layers = 224 / TYPES.length;
  const spread = await map().evaluate(
    (e, shape) => {
      const wrap = e as HTMLElement;
      const canvas = wrap.querySelector('canvas') as HTMLCanvasElement;
      const g = canvas.getContext('2d') as CanvasRenderingContext2D;
      const ratio = canvas.width / canvas.getBoundingClientRect().width;
      const d = wrap.dataset;
      const pixels: number[][] = [];
      for (let r = 0; r < shape.rows; r++)
        for (let c = 0; c < shape.cols; c++) {
          const x = Math.floor((Number(d.left) + (c + 0.5) * Number(d.cellWidth)) * ratio);
          const y = Math.floor((Number(d.top) + (r + 0.5) * Number(d.cellHeight)) * ratio);
          pixels.push(Array.from(g.getImageData(x, y, 1, 1).data));
        }
      let widest = 0;
      for (const a of pixels) for (const b of pixels) widest = Math.max(widest, Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]));
      return { widest, opaque: pixels.every((p) => p[3] === 255) };
    },
    { rows: TYPES.length, cols: layers },
  );
  assert.ok(spread.opaque, 'every module has a filled cell');
  assert.ok(spread.widest > 100, `the map's colours span only ${spread.widest.toFixed(1)} in RGB ${rng.tag}`);
  await page.page.mouse.move(1, 1);
  await page.screenshot('ranks-overview-224-dark');
});

test('hovering a module reads out its name and value; the readout agrees with the spectrum', async () => {
  const grid = overviewGrid(rec.overview.params.layers);
  for (let k = 0; k < 6; k++) {
    const row = rng.int(0, grid.rows.length - 1);
    const col = rng.int(0, grid.columns.length - 1);
    const index = grid.cells[row * grid.columns.length + col];
    const p = await cellPoint(row, col);
    await page.page.mouse.move(p.x, p.y);
    await tooltip().waitFor();
    const text = (await tooltip().textContent()) ?? '';
    const [name, readout] = text.split('\n');
    assert.equal(name, rec.overview.params.layers[index].name, rng.tag);
    const value = /^effective rank: (.+)$/.exec(readout)?.[1] ?? '';
    const result = rec.results.find((r) => r.index === index);
    assert.ok(result && agrees(value, effectiveRank(result)), `${text} vs ${result && effectiveRank(result)} ${rng.tag}`);
  }
});

test('another metric recolours the map and its readout; the legend names it', async () => {
  const select = page.page.locator('vscode-single-select.overview-metric');
  await select.click();
  await select.locator('li.option', { hasText: 'r95' }).first().click();
  await page.page.locator('.overview-legend .legend-title', { hasText: 'r95' }).waitFor();
  const p = await cellPoint(3, 5);
  await page.page.mouse.move(p.x, p.y);
  const index = overviewGrid(rec.overview.params.layers).cells[3 * LAYERS + 5];
  const result = rec.results.find((r) => r.index === index);
  assert.ok(result?.status === 'ok');
  await page.page.locator('.rank-overview .tooltip', { hasText: `r95: ${result.metrics.r95}` }).waitFor();
});

test('clicking a module selects it (the host hears it) and charts its layer; a type label charts that type', async () => {
  const grid = overviewGrid(rec.overview.params.layers);
  const col = rng.int(1, LAYERS - 2);
  const index = grid.cells[2 * LAYERS + col];
  const p = await cellPoint(2, col);
  await page.page.mouse.click(p.x, p.y);
  await page.page.waitForFunction(
    (i) =>
      window.__lens.posted.some((m) => (m as { method?: string; params?: { index?: number } }).method === 'selected' && (m as { params: { index: number } }).params.index === i),
    index,
  );
  const block = rec.overview.params.layers[index].block;
  await page.page.locator('.group-heading', { hasText: `Layer ${block}: 7 modules` }).waitFor();
  assert.equal(await page.page.locator('.group-chart rect.series-rank').count(), 7);
  assert.equal((await page.page.locator(`.group-chart rect.bar.selected[data-index="${index}"]`).count()) > 0, true);
  assert.equal(await map().locator('.selected-cell').count(), 1);
  // The details pane opened beside the view: it fits again, without scrolling.
  assert.deepEqual(await overflow(), [], rng.tag);
  await map().locator('.axis.y .tick', { hasText: 'down_proj' }).click();
  await page.page.locator('.group-heading', { hasText: 'mlp.down_proj through depth: 32 modules' }).waitFor();
  assert.equal(await page.page.locator('.group-chart rect.series-rank').count(), 32);
  const axis = await page.page.locator('.group-chart g.axis.y').boundingBox();
  const view = await page.page.locator('.group-chart').boundingBox();
  assert.ok(axis && view && axis.x >= view.x && axis.x + axis.width <= view.x + view.width, 'the rank axis is in view');
  assert.deepEqual(await overflow(), [], rng.tag);
});

test('kept rank and error of the recommendation colour the map once the host answers', async () => {
  const asked = (await page.posted()).filter((m) => m.method === 'recommendRanks');
  assert.ok(asked.length > 0, 'the view asked for a recommendation');
  const last = asked[asked.length - 1];
  const plan = rankPlanPayload(rec.overview.params.layers, rec.results, (last.params as { method: Parameters<typeof rankPlanPayload>[2] }).method);
  await page.send({ kind: 'response', id: last.id, result: plan });
  const select = page.page.locator('vscode-single-select.overview-metric');
  await select.click();
  await select.locator('li.option', { hasText: 'relative error' }).first().click();
  await page.page.locator('.overview-legend .legend-title', { hasText: 'relative error' }).waitFor();
  const grid = overviewGrid(rec.overview.params.layers);
  const index = grid.cells[4 * LAYERS + 9];
  const p = await cellPoint(4, 9);
  await page.page.mouse.move(p.x, p.y);
  const j = plan.indices.indexOf(index);
  const text = (await tooltip().textContent()) ?? '';
  const shown = /relative error of the recommendation: (.+)%$/.exec(text)?.[1] ?? '';
  assert.ok(agrees(shown, 100 * plan.relativeError[j]), `${text} vs ${plan.relativeError[j]}`);
  await page.page.mouse.move(1, 1);
  await page.applyTheme(LIGHT);
  await page.page.waitForTimeout(100);
  await page.screenshot('ranks-overview-224-light');
  await page.applyTheme(HIGH_CONTRAST);
  await page.page.waitForTimeout(100);
  await page.screenshot('ranks-overview-224-hc');
  assert.deepEqual((await page.probe()).violations, []);
  assert.deepEqual(page.errors, []);
});
