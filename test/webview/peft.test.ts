import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import type { LayerAnalysis } from '../../src/protocol/payloads';
import { corpusPath } from '../helpers/fixtures';
import { checkLabels } from './legible';
import { Lens, type LensPage } from './browser';
import { recordAdapter, type Recording } from './recording';
import { agrees, columnTexts, computed, rgb, sameColour } from './shown';
import { DARK, HIGH_CONTRAST, LIGHT } from './themes';

// A real PEFT adapter (Qwen2.5-0.5B, r = 8, q/v projections of 24 blocks), analysed by the
// project's core and fed to the page as the host would send it.
let lens: Lens;
let page: LensPage;
let rec: Recording;
let half: number;

function ok(result: LayerAnalysis | undefined): Extract<LayerAnalysis, { status: 'ok' }> {
  assert.ok(result?.status === 'ok');
  return result;
}

before(async () => {
  rec = await recordAdapter(corpusPath('peft-qwen25-muzammel', 'adapter_model.safetensors'));
  lens = await Lens.launch();
  page = await lens.open();
});

after(async () => {
  await lens?.close();
});

const table = () => page.page.locator('table.layers');

test('the overview shows format, base model and counts from the header', async () => {
  await page.send(rec.overview);
  const o = rec.overview.params;
  assert.equal(o.layers.length, 48);
  await page.showTab('Overview');
  const facts = page.page.locator('.overview dl.facts');
  await facts.waitFor();
  const text = await facts.textContent();
  assert.match(text ?? '', /Qwen\/Qwen2\.5-0\.5B-Instruct/);
  assert.match(text ?? '', /Adapted modules48/);
  assert.match(text ?? '', /PEFT LoRA/);
  // The PEFT config: its values, and the list of target modules as readable JSON.
  const config = page.page.locator('section', { hasText: 'Config (adapter_config.json)' });
  assert.match((await config.textContent()) ?? '', /lora_alpha16/);
  await page.screenshot('overview');
});

test('the table lists every module at once, with dashes until results arrive', async () => {
  await page.showTab('Layers');
  await table().locator('tbody tr').nth(47).waitFor();
  assert.deepEqual(
    await columnTexts(table(), 'module'),
    rec.overview.params.layers.map((l) => l.name),
  );
  assert.deepEqual(
    await columnTexts(table(), 'shape'),
    rec.overview.params.layers.map((l) => `${l.rows}×${l.cols}`),
  );
  const sigma = await columnTexts(table(), 'sigma1');
  assert.ok(sigma.every((t) => t === '—'));
  assert.equal(await page.page.locator('.count').first().textContent(), '48 of 48 modules');
});

test('cells fill in as layers stream, the progress bar follows, and Cancel posts cancelAnalysis', async () => {
  half = rec.stream.length / 2;
  await page.send(...rec.stream.slice(0, half));
  const sent = rec.stream.slice(0, half).flatMap((m) => (m.method === 'layers' ? m.params.results : []));
  const filled = rec.results.filter((r) => sent.some((s) => s.index === r.index));
  assert.ok(filled.length > 0 && filled.length < 48);
  await page.page.waitForFunction((n) => document.querySelectorAll('table.layers td[data-key="sigma1"]:not(.pending)').length === n, filled.length);
  const sigma = await columnTexts(table(), 'sigma1');
  const eff = await columnTexts(table(), 'effectiveRank');
  rec.results.forEach((r, i) => {
    if (i < filled.length) {
      assert.ok(agrees(sigma[i], ok(r).metrics.sigma1), `σ1 of ${i}: ${sigma[i]} vs ${ok(r).metrics.sigma1}`);
      assert.ok(agrees(eff[i], ok(r).metrics.effectiveRank), `eff. rank of ${i}`);
    } else {
      assert.equal(sigma[i], '—');
    }
  });
  const progress = page.page.locator('vscode-progress-bar');
  assert.equal(await progress.isVisible(), true);
  assert.ok(Math.abs((await progress.evaluate((p) => (p as HTMLElement & { value: number }).value)) - filled.length / 48) < 1e-9);
  assert.match((await page.page.locator('.status-text').textContent()) ?? '', new RegExp(`Analysing ${filled.length} of 48`));
  await page.screenshot('layers-streaming');

  await page.page.locator('vscode-button.cancel').click();
  await page.page.locator('.notice', { hasText: 'Cancelling' }).waitFor();
  const cancel = (await page.posted()).filter((m) => m.method === 'cancelAnalysis');
  assert.equal(cancel.length, 1);
  assert.equal(cancel[0].kind, 'request');
  assert.deepEqual(cancel[0].params, {});

  await page.send(...rec.stream.slice(half), rec.done);
  await page.page.locator('.status-text', { hasText: 'Analysed 48 of 48 modules' }).waitFor();
  assert.equal(await progress.isVisible(), false);
  assert.equal(await page.page.locator('vscode-button.cancel').isVisible(), false);
  const all = await columnTexts(table(), 'r95');
  rec.results.forEach((r, i) => assert.equal(all[i], String(ok(r).metrics.r95)));
});

test('clicking a header sorts; clicking again reverses; unknown order stays stable', async () => {
  await table().locator('th[data-key="sigma1"]').click();
  const byDesc = [...rec.results].sort((a, b) => ok(b).metrics.sigma1 - ok(a).metrics.sigma1 || a.index - b.index).map((r) => rec.overview.params.layers[r.index].name);
  await page.page.waitForFunction(() => document.querySelector('th[data-key="sigma1"]')?.getAttribute('aria-sort') === 'descending');
  assert.deepEqual(await columnTexts(table(), 'module'), byDesc);
  await table().locator('th[data-key="sigma1"]').click();
  await page.page.waitForFunction(() => document.querySelector('th[data-key="sigma1"]')?.getAttribute('aria-sort') === 'ascending');
  const byAsc = [...rec.results].sort((a, b) => ok(a).metrics.sigma1 - ok(b).metrics.sigma1 || a.index - b.index).map((r) => rec.overview.params.layers[r.index].name);
  assert.deepEqual(await columnTexts(table(), 'module'), byAsc);
  assert.equal(await table().locator('th[data-key="module"]').getAttribute('aria-sort'), 'none');
});

test('the filter narrows rows by every term', async () => {
  const field = page.page.locator('vscode-textfield.filter input');
  await field.fill('v_proj layers.1');
  await page.page.waitForFunction(() => document.querySelectorAll('table.layers tbody tr').length < 48);
  const expected = rec.overview.params.layers.filter((l) => l.name.includes('v_proj') && l.name.includes('layers.1')).map((l) => l.name);
  assert.equal(expected.length, 11, 'layers.1 and layers.10–19');
  const names = await columnTexts(table(), 'module');
  assert.deepEqual([...names].sort(), [...expected].sort());
  assert.equal(await page.page.locator('.count').first().textContent(), '11 of 48 modules');
  await field.fill('');
  await page.page.waitForFunction(() => document.querySelectorAll('table.layers tbody tr').length === 48);
});

test('arrow keys move the selection, Enter opens the details pane, and the host hears of it', async () => {
  await table().locator('th[data-key="module"]').click();
  await page.page.locator('.table-wrap').focus();
  const names = await columnTexts(table(), 'module');
  await page.page.keyboard.press('ArrowDown');
  await page.page.keyboard.press('ArrowDown');
  await page.page.keyboard.press('ArrowDown');
  await page.page.keyboard.press('ArrowUp');
  const selected = table().locator('tbody tr.selected');
  await selected.waitFor();
  assert.equal(await selected.locator('td[data-key="module"]').textContent(), names[1]);
  assert.equal(await selected.getAttribute('aria-selected'), 'true');
  assert.equal(await page.page.locator('aside.details').isVisible(), false, 'details open on Enter, not on arrows');
  await page.page.keyboard.press('Enter');
  const details = page.page.locator('aside.details');
  await details.waitFor({ state: 'visible' });
  assert.equal(await details.locator('.details-title').textContent(), names[1]);
  const index = rec.overview.params.layers.findIndex((l) => l.name === names[1]);
  const facts = (await details.textContent()) ?? '';
  assert.match(facts, /r90 \/ r95 \/ r99/);
  assert.ok(facts.includes(`${ok(rec.results[index]).metrics.r90} / ${ok(rec.results[index]).metrics.r95} / ${ok(rec.results[index]).metrics.r99}`));
  assert.equal(await details.locator('path.sigma').count(), 1);
  const selections = (await page.posted()).filter((m) => m.method === 'selected').map((m) => m.params);
  assert.deepEqual(selections.at(-1), { index });
  assert.equal(
    selections[0] && (selections[0] as { index: number }).index,
    rec.overview.params.layers.findIndex((l) => l.name === names[0]),
  );
  await page.page.keyboard.press('End');
  assert.equal(await table().locator('tbody tr.selected td[data-key="module"]').textContent(), names[47]);
  assert.equal(await details.locator('.details-title').textContent(), names[47], 'open details follow the selection');
  await page.screenshot('layers-details');
});

test('Export and Copy stats post requests of the right shape and show the answer', async () => {
  await page.page.locator('vscode-button.export-csv').click();
  await page.page.locator('.notice', { hasText: 'Exported csv report to /tmp/report.csv' }).waitFor();
  await page.page.locator('vscode-button.export-markdown').click();
  await page.page.locator('.notice', { hasText: 'report.markdown' }).waitFor();
  await page.page.locator('vscode-button.copy-stats').click();
  await page.page.locator('.notice', { hasText: 'Copied stats of 1 layer' }).waitFor();
  const posted = await page.posted();
  const exports = posted.filter((m) => m.method === 'exportReport');
  assert.deepEqual(
    exports.map((m) => [m.kind, m.params]),
    [
      ['request', { format: 'csv' }],
      ['request', { format: 'markdown' }],
    ],
  );
  const copy = posted.filter((m) => m.method === 'copyLayerStats');
  const selectedIndex = rec.overview.params.layers.findIndex((l) => l.name === 'model.layers.23.self_attn.v_proj');
  assert.deepEqual(
    copy.map((m) => m.params),
    [{ indices: [selectedIndex] }],
  );
  const ids = posted.filter((m) => m.kind === 'request').map((m) => m.id);
  assert.equal(new Set(ids).size, ids.length, 'request ids are unique');
});

test('the ranks chart draws three bars per analysed layer, grouped by block; a bar click selects', async () => {
  await page.showTab('Ranks');
  const bars = page.page.locator('svg.rank-chart rect.bar');
  await page.page.waitForFunction(() => document.querySelectorAll('svg.rank-chart rect.bar').length === 144);
  assert.equal(await page.page.locator('svg.rank-chart rect.series-rank').count(), 48);
  assert.equal(await page.page.locator('svg.rank-chart rect.group-band').count(), 24);
  // Block labels drop the `model.layers.` they all share; the full name is each label's title.
  assert.deepEqual((await page.page.locator('svg.rank-chart .group-label tspan').allTextContents()).slice(0, 3), ['0', '1', '2']);
  assert.equal(await page.page.locator('svg.rank-chart .group-label title').first().textContent(), 'model.layers.0');
  // The effective-rank bar of layer 5 is as tall as its value on the axis.
  const target = rec.overview.params.layers[5];
  const bar = page.page.locator(`svg.rank-chart rect.series-effective[data-index="5"]`);
  const rankBar = page.page.locator(`svg.rank-chart rect.series-rank[data-index="5"]`);
  const [h, hr] = [Number(await bar.getAttribute('height')), Number(await rankBar.getAttribute('height'))];
  assert.ok(Math.abs(h / hr - ok(rec.results[5]).metrics.effectiveRank / target.rank) < 1e-9);
  await bar.click();
  await page.page.locator('aside.details .details-title', { hasText: target.name }).waitFor();
  assert.equal(await bars.first().evaluate((n) => (n as SVGElement).ownerSVGElement?.getAttribute('aria-label')), 'Configured rank, effective rank and r95 of 48 layers');
  await page.screenshot('ranks');
});

test('the spectrum view draws log-scale paths, cumulative energy and small multiples across depth', async () => {
  await page.showTab('Spectrum');
  await page.page.locator('svg.spectrum-chart').first().waitFor();
  await page.page.locator('vscode-button.top-layers').click();
  const chart = page.page.locator('.panel-spectrum svg.spectrum-chart');
  await page.page.waitForFunction(() => document.querySelectorAll('.panel-spectrum svg.spectrum-chart g.series').length === 5);
  assert.equal(await chart.locator('path.sigma').count(), 5);
  assert.equal(await chart.locator('path.energy').count(), 5);
  const top5 = [...rec.results]
    .sort((a, b) => ok(b).metrics.sigma1 - ok(a).metrics.sigma1)
    .slice(0, 5)
    .map((r) => rec.overview.params.layers[r.index].name);
  assert.deepEqual(await page.page.locator('.chips .chip .name').allTextContents(), top5);
  // Eight singular values per layer, each a dot on the σ curve.
  assert.equal(await chart.locator('g.series').first().locator('circle').count(), 8);
  // Log ticks at 1, 2, 5 × 10ᵏ: plain decimals near 1, m×10ᵏ beyond; never e-notation, never crowded.
  const yTicks = await checkLabels(chart.locator('g.axis.y').first().locator('.tick text'));
  assert.ok(yTicks.texts.length >= 3, `log ticks: ${yTicks.texts}`);
  for (const t of yTicks.texts) assert.match(t, /^(?:[125](?:0*|\.0*[125])?|0\.0*[125]|(?:[25]×)?10[⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)$/, `log tick ${t} of ${yTicks.texts}`);
  assert.deepEqual(yTicks.overlaps, []);
  assert.deepEqual(yTicks.unreadable, []);
  const panels = page.page.locator('.multiples .multiple');
  assert.equal(await panels.count(), 24, 'one panel per block for the first module type');
  assert.equal(await page.page.locator('select.module-type').inputValue(), 'self_attn.q_proj');
  assert.equal(await panels.locator('path.sigma[d^="M"]').count(), 24);
  await page.page.locator('select.module-type').selectOption('self_attn.v_proj');
  await page.page.waitForFunction(() => document.querySelector('.multiples .multiple title')?.textContent?.endsWith('v_proj') === true);
  await page.screenshot('spectrum');
});

test('a reveal notification switches to the table, clears a filter that hides the layer, and selects it', async () => {
  await page.showTab('Layers');
  await page.page.locator('vscode-textfield.filter input').fill('layers.2.');
  await page.page.waitForFunction(() => document.querySelectorAll('table.layers tbody tr').length === 2);
  await page.showTab('Ranks');
  await page.send({ kind: 'notify', method: 'reveal', params: { index: 30 } });
  await page.page.waitForFunction(() => document.querySelectorAll('table.layers tbody tr').length === 48);
  assert.equal(await page.page.locator('vscode-textfield.filter').evaluate((f) => (f as HTMLElement & { value: string }).value), '');
  await page.page.locator('aside.details .details-title', { hasText: rec.overview.params.layers[30].name }).waitFor();
  assert.equal(await page.page.locator('vscode-tab-panel.panel-layers').isVisible(), true);
  assert.equal(await table().locator('tbody tr.selected td[data-key="module"]').textContent(), rec.overview.params.layers[30].name);
});

test('switching theme changes computed colours: text, bars, selection', async () => {
  await page.showTab('Ranks');
  const body = page.page.locator('body');
  const bar = page.page.locator('svg.rank-chart rect.series-rank');
  const tick = page.page.locator('svg.rank-chart g.axis text');
  for (const theme of [LIGHT, HIGH_CONTRAST, DARK]) {
    await page.applyTheme(theme);
    assert.equal(await computed(body, 'color'), rgb(theme.variables['--vscode-foreground']));
    assert.equal(await computed(body, 'background-color'), rgb(theme.variables['--vscode-editor-background']));
    const fill = await computed(bar, 'fill');
    assert.ok(sameColour(fill, theme.variables['--vscode-charts-blue']), `${theme.name}: bar ${fill}`);
    assert.equal(await computed(tick, 'fill'), rgb(theme.variables['--vscode-foreground']), 'axes draw in currentColor');
    assert.ok(await body.evaluate((b, c) => b.classList.contains(c), theme.bodyClass));
  }
  await page.applyTheme(LIGHT);
  await page.screenshot('ranks-light');
  await page.showTab('Layers');
  await page.screenshot('layers-light');
  await page.applyTheme(HIGH_CONTRAST);
  await page.screenshot('layers-high-contrast');
  await page.applyTheme(DARK);
});

test('view state (tab, selection, sort, filter) is saved and restored by a new page', async () => {
  await page.showTab('Layers');
  await page.page.locator('vscode-textfield.filter input').fill('q_proj');
  await table().locator('th[data-key="r95"]').click();
  await page.page.waitForFunction(() => document.querySelectorAll('table.layers tbody tr').length === 24);
  const saved = (await page.probe()).state as Record<string, unknown>;
  assert.equal(saved.tab, 'layers');
  assert.equal(saved.filter, 'q_proj');
  assert.deepEqual(saved.sort, { key: 'r95', descending: true });
  assert.equal(saved.selected, 30);
  const restored = await lens.open(saved);
  await restored.send(rec.overview, ...rec.stream, rec.done);
  await restored.page.waitForFunction(() => document.querySelectorAll('table.layers tbody tr').length === 24);
  assert.equal(await restored.page.locator('vscode-textfield.filter').evaluate((f) => (f as HTMLElement & { value: string }).value), 'q_proj');
  assert.equal(await restored.page.locator('th[data-key="r95"]').getAttribute('aria-sort'), 'descending');
  assert.equal(await restored.page.locator('aside.details .details-title').textContent(), rec.overview.params.layers[30].name);
  assert.deepEqual(await columnTexts(restored.page.locator('table.layers'), 'module'), await columnTexts(table(), 'module'));
  await restored.page.close();
});

test('a failed analysis keeps the numbers shown and says why', async () => {
  await page.send({ kind: 'notify', method: 'failed', params: { message: 'worker exited', cancelled: false } });
  await page.page.locator('.status-text', { hasText: 'Analysis failed: worker exited' }).waitFor();
  await page.send({ kind: 'notify', method: 'failed', params: { message: 'cancelled', cancelled: true } });
  await page.page.locator('.status-text', { hasText: 'Analysis cancelled after 48 of 48 modules' }).waitFor();
  assert.equal(await table().locator('td.pending').count(), 0);
});

test('the page raised no errors, dialogs or CSP violations', async () => {
  const probe = await page.probe();
  assert.deepEqual(probe.violations, []);
  assert.deepEqual(page.errors, []);
  assert.deepEqual(page.dialogs, []);
});
