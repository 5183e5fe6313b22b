import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { writeBaseFixture } from '../helpers/baseFixture';
import { removeDir, tempDir } from '../helpers/fixtures';
import { Rng } from '../helpers/random';
import { recordBase, type BaseRecording } from './baseRecording';
import { Lens, type LensPage } from './browser';
import { agrees } from './shown';

let dir: string;
let lens: Lens;
let rec: BaseRecording;

before(async () => {
  const rng = Rng.fresh();
  dir = await tempDir();
  rec = await recordBase(await writeBaseFixture(dir, rng), rng);
  lens = await Lens.launch();
});

after(async () => {
  await lens?.close();
  if (dir) await removeDir(dir);
});

async function openPanel(): Promise<LensPage> {
  const page = await lens.open(undefined, 'subspace.html');
  await page.send(...rec.messages);
  return page;
}

const valueOf = (text: string) => text.slice(text.lastIndexOf(' ') + 1);
const ok = () => rec.analysis.modules.flatMap((m) => (m.status === 'ok' ? [m] : []));

test('the Base model table has one row per analysed module with the core’s numbers; skipped modules list their reasons', async () => {
  const page = await openPanel();
  const rows = page.page.locator('table.base-modules tbody tr');
  await rows.first().waitFor();
  assert.match((await page.page.locator('.subspace-status').textContent()) ?? '', /Computed in/);
  const modules = ok();
  assert.equal(await rows.count(), modules.length);
  for (const [i, m] of modules.entries()) {
    const cells = await rows.nth(i).locator('td').allTextContents();
    assert.equal(cells[0], m.name);
    assert.equal(cells[1], m.weight);
    assert.equal(cells[2], String(m.intruders.k));
    const mean = (xs: Float64Array) => xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.ok(agrees(cells[3], mean(m.alignment.columnCosines)), `${cells[3]} ${m.name}`);
    assert.ok(agrees(cells[4], mean(m.alignment.rowCosines)), `${cells[4]} ${m.name}`);
    assert.ok(agrees(cells[5], m.alignment.amplification), `${cells[5]} ${m.name}`);
    assert.equal(cells[6], `${m.intruders.count} / ${m.intruders.k}`);
    assert.equal(cells[7], String(m.intruders.uncertain));
    assert.equal(cells[8], m.conversion.method === 'qr' ? 'exact (QR)' : `top-${m.conversion.rank} W0⁺`);
  }
  const marked = await page.page.locator('table.base-modules td.undetermined').count();
  assert.equal(marked, modules.filter((m) => m.intruders.uncertain > 0).length);
  assert.ok(marked > 0, 'the flat-spectrum layer leaves verdicts undetermined');
  const facts = (await page.page.locator('.base-facts').textContent()) ?? '';
  assert.ok(facts.includes(rec.payload.base.path) && facts.includes('11 modules, 2 skipped'), facts);
  await page.page.mouse.move(1, 1);
  await page.screenshot('base-modules');
  await page.page.locator('vscode-tab-header', { hasText: 'Not analysed (2)' }).click();
  const reasons = await page.page.locator('table.unmatched tbody tr').allTextContents();
  const skipped = rec.analysis.modules.filter((m) => m.status === 'skipped');
  assert.equal(reasons.length, skipped.length);
  for (const s of skipped) assert.ok(s.status === 'skipped' && reasons.some((r) => r.includes(s.name) && r.includes(s.reason)), `${s.name}: ${reasons.join('\n')}`);
  assert.ok(reasons.some((r) => /no base weight/.test(r)) && reasons.some((r) => /32×32/.test(r)), reasons.join('\n'));
  assert.deepEqual((await page.probe()).violations, []);
  assert.deepEqual(page.errors, []);
  await page.page.close();
});

test('by depth: alignment (columns, rows), amplification on a log axis and intruders with undetermined dashed, over six blocks', async () => {
  const page = await openPanel();
  await page.page.locator('vscode-tab-header', { hasText: 'By depth' }).click();
  const series = page.page.locator('.panel-baseDepth svg.line-chart g.series');
  await series.first().waitFor();
  assert.deepEqual(await series.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-key'))), ['column', 'row', 'amplification', 'intruders', 'undetermined']);
  for (const d of await page.page.locator('.panel-baseDepth .base-alignment g.series path').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('d') ?? '')))
    assert.equal((d.match(/[ML]/g) ?? []).length, 6, d);
  const modules = ok();
  const depth0 = modules.filter((m) => m.name.startsWith('model.layers.0.'));
  const column0 = depth0.reduce((s, m) => s + m.alignment.columnCosines.reduce((a, c) => a + c, 0) / m.alignment.columnCosines.length, 0) / depth0.length;
  const title = await page.page.locator('.base-alignment g.series[data-key="column"] circle title').first().textContent();
  assert.ok(agrees(valueOf(title ?? ''), column0), `${title} vs ${column0}`);
  const amp0 = Math.exp(depth0.reduce((s, m) => s + Math.log(m.alignment.amplification), 0) / depth0.length);
  const ampTitle = await page.page.locator('.base-amplification g.series circle title').first().textContent();
  assert.ok(agrees(valueOf(ampTitle ?? ''), amp0), `${ampTitle} vs ${amp0}`);
  // The log axis labels 1, 2, 5 × 10ᵏ in the panel's number format (0.1, not 100m).
  const labels = (await page.page.locator('.base-amplification .axis.y .tick text').allTextContents()).filter((t) => t !== '');
  assert.ok(labels.length >= 2 && labels.every((t) => /^(0\.0*[125]|[125]0*)$/.test(t)), labels.join(' '));
  const dash = await page.page.locator('.base-intruders g.series[data-key="undetermined"] path').evaluate((n) => getComputedStyle(n).strokeDasharray);
  assert.notEqual(dash, 'none');
  const intruders = modules.reduce((s, m) => s + (m.name.startsWith('model.layers.5.') ? m.intruders.count : 0), 0);
  const last = await page.page.locator('.base-intruders g.series[data-key="intruders"] circle title').last().textContent();
  assert.equal(valueOf(last ?? ''), String(intruders));
  await page.page.locator('select.module-type').selectOption('self_attn.v_proj');
  await page.page.waitForFunction(() => (document.querySelector('.base-alignment g.series path')?.getAttribute('d')?.match(/[ML]/g) ?? []).length === 5);
  await page.page.locator('select.module-type').selectOption('');
  await page.page.mouse.move(1, 1);
  await page.screenshot('base-depth');
  await page.page.locator('.base-intruders').scrollIntoViewIfNeeded();
  await page.screenshot('base-depth-intruders');
  assert.deepEqual(page.errors, []);
  await page.page.close();
});

test('CondLoRA maps: hover values are the core’s φ of C_A, with the means and random baselines beside', async () => {
  const page = await openPanel();
  await page.page.locator('vscode-tab-header', { hasText: 'CondLoRA maps' }).click();
  await page.page.locator('.conversion-map canvas').first().waitFor();
  for (const [index, group] of rec.analysis.conversionGroups.entries()) {
    if (index > 0) await page.page.locator('select.group').selectOption(String(index));
    const L = group.names.length;
    const cell = Math.max(6, Math.min(40, Math.floor(300 / L)));
    for (const [i, j] of [
      [0, 1],
      [1, L - 1],
      [L - 1, 2],
    ]) {
      const canvas = page.page.locator('.conversion-map canvas').first();
      const box = await canvas.boundingBox();
      assert.ok(box);
      await page.page.mouse.move(box.x + (j + 0.5) * cell, box.y + (i + 0.5) * cell);
      const tooltip = page.page.locator('.conversion-map .tooltip').first();
      await tooltip.waitFor({ state: 'visible' });
      const text = (await tooltip.textContent()) ?? '';
      assert.ok(text.startsWith(`layer ${/layers\.(\d+)/.exec(group.names[i])?.[1]} × layer ${/layers\.(\d+)/.exec(group.names[j])?.[1]}: `), text);
      assert.ok(agrees(valueOf(text), group.phiA.map.data[j * L + i]), `${text} vs ${group.phiA.map.data[j * L + i]}`);
    }
    for (const [cls, want] of [
      ['mean-a', group.phiA.mean],
      ['baseline-a', group.phiA.random],
      ['mean-b', group.phiB.mean],
      ['baseline-b', group.phiB.random],
    ] as const) {
      const shown = (await page.page.locator(`.conversion-baseline .${cls}`).textContent()) ?? '';
      assert.ok(agrees(valueOf(shown), want), `${cls}: ${shown} vs ${want}`);
    }
  }
  await page.page.locator('select.group').selectOption('0');
  await page.page.mouse.move(1, 1);
  await page.screenshot('base-condlora');
  assert.deepEqual((await page.probe()).violations, []);
  assert.deepEqual(page.errors, []);
  await page.page.close();
});
