import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { corpusPath } from '../helpers/fixtures';
import { Lens, type LensPage } from './browser';
import { recordAdapter, type Recording } from './recording';
import { columnTexts } from './shown';
import { DARK, HIGH_CONTRAST, HIGH_CONTRAST_LIGHT, LIGHT } from './themes';

// The layer table as a data viewer (formats, bars, copy, columns, sticky names) and export
// from the view, on a real PEFT adapter analysed by the project's core.
let lens: Lens;
let page: LensPage;
let rec: Recording;

before(async () => {
  rec = await recordAdapter(corpusPath('peft-qwen25-muzammel', 'adapter_model.safetensors'));
  lens = await Lens.launch();
  page = await lens.open();
  await page.page.setViewportSize({ width: 1000, height: 700 });
  await page.send(rec.overview, ...rec.stream);
  await page.showTab('Layers');
  await page.page.waitForFunction(() => document.querySelectorAll('table.layers td[data-key="sigma1"]:not(.pending)').length === 48);
});

after(async () => {
  await lens?.close();
});

const table = () => page.page.locator('table.layers');

interface Saved {
  readonly name: string;
  readonly kind: string;
  readonly data: string;
  readonly encoding: string;
}

async function lastSaved(): Promise<Saved> {
  const posted = await page.posted();
  const saves = posted.filter((m) => m.method === 'saveExport');
  assert.ok(saves.length > 0, 'nothing was posted to save');
  return saves[saves.length - 1].params as Saved;
}

async function waitForSaves(count: number): Promise<void> {
  await page.page.waitForFunction((n) => window.__lens.posted.filter((m) => (m as { method?: string }).method === 'saveExport').length >= n, count);
}

test('each numeric column shows one format: the same decimals on every row, numbers right-aligned', async () => {
  for (const key of ['frobenius', 'sigma1', 'effectiveRank', 'stableRank', 'dominance']) {
    const texts = await columnTexts(table(), key);
    const decimals = new Set(texts.map((t) => (t.includes('e') ? 'exp' : String(t.split('.')[1]?.length ?? 0))));
    assert.equal(decimals.size, 1, `${key} mixes formats: ${texts.slice(0, 6).join(' ')}`);
  }
  const align = await table()
    .locator('tbody td[data-key="sigma1"]')
    .first()
    .evaluate((td) => getComputedStyle(td).textAlign);
  assert.equal(align, 'right');
  const bars = await table().locator('tbody td.bar[data-key="sigma1"]').count();
  assert.equal(bars, 48);
  await page.screenshot('table-data-viewer');
});

test('Ctrl+C with a row selected copies it as TSV with the header', async () => {
  await table().locator('tbody tr').nth(3).click();
  await page.page.evaluate(() => {
    (window as unknown as { __copied: string }).__copied = '';
    window.addEventListener('copy', (e) => ((window as unknown as { __copied: string }).__copied = e.clipboardData?.getData('text/plain') ?? ''));
  });
  await page.page.locator('.table-wrap').focus();
  await page.page.keyboard.press('Control+C');
  let copied = await page.page.evaluate(() => (window as unknown as { __copied: string }).__copied);
  if (copied === '') {
    // Headless Chromium may not bind the shortcut; the copy command is what VS Code runs.
    await page.page.evaluate(() => document.execCommand('copy'));
    copied = await page.page.evaluate(() => (window as unknown as { __copied: string }).__copied);
  }
  const lines = copied.split('\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 2, copied);
  assert.equal(lines[0].split('\t')[0], 'Module');
  const cells = lines[1].split('\t');
  const row = rec.overview.params.layers[3];
  assert.equal(cells[0], row.name);
  const result = rec.results.find((r) => r.index === row.index);
  assert.ok(result?.status === 'ok');
  const sigmaAt = lines[0].split('\t').indexOf('σ1');
  assert.equal(Number(cells[sigmaAt]), result.metrics.sigma1, 'σ1 is copied in full precision');
});

test('Shift+click a range and Ctrl+click one more: Ctrl+C copies exactly those rows in table order', async () => {
  const rows = table().locator('tbody tr');
  await rows.nth(2).click();
  await rows.nth(5).click({ modifiers: ['Shift'] });
  await rows.nth(9).click({ modifiers: ['Control'] });
  const picked = [2, 3, 4, 5, 9];
  const marked = await rows.evaluateAll((trs) =>
    trs.map((tr, i) => (tr.getAttribute('aria-selected') === 'true' && tr.classList.contains('selected') ? i : -1)).filter((i) => i >= 0),
  );
  assert.deepEqual(marked, picked, 'the picked rows show as selected');
  const current = await rows.nth(2).getAttribute('data-index');
  const state = (await page.probe()).state as { selected: number | null };
  assert.equal(String(state.selected), current, 'picking rows keeps the current row');
  await page.page.evaluate(() => ((window as unknown as { __copied: string }).__copied = ''));
  await page.page.locator('.table-wrap').focus();
  await page.page.keyboard.press('Control+C');
  let copied = await page.page.evaluate(() => (window as unknown as { __copied: string }).__copied);
  if (copied === '') {
    await page.page.evaluate(() => document.execCommand('copy'));
    copied = await page.page.evaluate(() => (window as unknown as { __copied: string }).__copied);
  }
  const lines = copied.split('\n').filter((l) => l.length > 0);
  assert.equal(lines[0].split('\t')[0], 'Module');
  const order = await rows.evaluateAll((trs) => trs.map((tr) => Number((tr as HTMLElement).dataset.index)));
  const byIndex = new Map(rec.overview.params.layers.map((l) => [l.index, l.name]));
  assert.deepEqual(
    lines.slice(1).map((l) => l.split('\t')[0]),
    picked.map((i) => byIndex.get(order[i])),
    copied,
  );
  // Shift+ArrowDown extends the range from the current row; a plain click resets to one row.
  await rows.nth(2).click();
  await page.page.keyboard.press('Shift+ArrowDown');
  await page.page.keyboard.press('Shift+ArrowDown');
  assert.equal(await table().locator('tbody tr[aria-selected="true"]').count(), 3);
  await rows.nth(4).click();
  assert.equal(await table().locator('tbody tr[aria-selected="true"]').count(), 1);
});

test('the details pane sits beside the table: the table scrolls sideways and the module column stays', async () => {
  const wrap = page.page.locator('.table-wrap');
  const details = page.page.locator('aside.details');
  await details.waitFor({ state: 'visible' });
  const wrapBox = await wrap.boundingBox();
  const detailsBox = await details.boundingBox();
  assert.ok(wrapBox && detailsBox);
  assert.ok(wrapBox.x + wrapBox.width <= detailsBox.x + 1, `the table (to ${wrapBox.x + wrapBox.width}) runs under the details pane (from ${detailsBox.x})`);
  const scroll = await wrap.evaluate((node) => {
    node.scrollLeft = node.scrollWidth;
    return { scrollLeft: node.scrollLeft, scrollWidth: node.scrollWidth, clientWidth: node.clientWidth };
  });
  assert.ok(scroll.scrollWidth > scroll.clientWidth, 'at 1000 px beside the details pane the table scrolls sideways');
  assert.ok(scroll.scrollLeft > 0);
  await page.page.waitForTimeout(50);
  const moduleCell = await table().locator('tbody td[data-key="module"]').first().boundingBox();
  const lastHeader = await table().locator('thead th[data-key="dominance"]').boundingBox();
  assert.ok(moduleCell && lastHeader);
  assert.ok(Math.abs(moduleCell.x - wrapBox.x) <= 2, `the module column moved to ${moduleCell.x} (table at ${wrapBox.x})`);
  assert.ok(lastHeader.x + lastHeader.width <= wrapBox.x + wrapBox.width + 1, 'the last column can be scrolled into view');
  await page.screenshot('table-scrolled-details');
  await wrap.evaluate((node) => (node.scrollLeft = 0));
});

test('columns hide from the Columns menu and resize by dragging a header edge; both are saved', async () => {
  await page.page.locator('.column-menu summary').click();
  await page.page.locator('.column-menu input[data-key="alpha"]').uncheck();
  assert.equal(await table().locator('thead th[data-key="alpha"]').isHidden(), true);
  assert.equal(await table().locator('tbody td[data-key="alpha"]:visible').count(), 0);
  assert.equal(await page.page.locator('.column-menu input[data-key="module"]').isDisabled(), true);
  await page.page.locator('.column-menu summary').click();

  const th = table().locator('thead th[data-key="sigma1"]');
  const before = await th.boundingBox();
  assert.ok(before);
  const grip = th.locator('.resizer');
  const gripBox = await grip.boundingBox();
  assert.ok(gripBox);
  await page.page.mouse.move(gripBox.x + gripBox.width / 2, gripBox.y + gripBox.height / 2);
  await page.page.mouse.down();
  await page.page.mouse.move(gripBox.x + gripBox.width / 2 + 70, gripBox.y + gripBox.height / 2, { steps: 5 });
  await page.page.mouse.up();
  const afterBox = await th.boundingBox();
  assert.ok(afterBox);
  assert.ok(Math.abs(afterBox.width - (before.width + 70)) <= 3, `width ${before.width} → ${afterBox.width}, not +70`);
  const state = (await page.probe()).state as { hiddenColumns: string[]; columnWidths: Record<string, number>; sort: unknown };
  assert.deepEqual(state.hiddenColumns, ['alpha']);
  assert.ok(Math.abs(state.columnWidths.sigma1 - (before.width + 70)) <= 3, JSON.stringify(state.columnWidths));
  assert.equal(state.sort, null, 'dragging the edge does not sort');
  const cell = await table().locator('tbody td[data-key="sigma1"]').first().boundingBox();
  assert.ok(cell && Math.abs(cell.width - afterBox.width) <= 1);
});

test('Table CSV posts every row with full-precision numbers for the host to save', async () => {
  await page.page.locator('vscode-button.export-table-csv').click();
  await waitForSaves(1);
  const saved = await lastSaved();
  assert.equal(saved.kind, 'csv');
  assert.match(saved.name, /-layers\.csv$/);
  const lines = saved.data.split('\r\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 49);
  const header = lines[0].split(',');
  const sigmaAt = header.indexOf('σ1');
  rec.results.forEach((r, i) => {
    assert.ok(r.status === 'ok');
    assert.equal(Number(lines[i + 1].split(',')[sigmaAt]), r.metrics.sigma1);
  });
});

test('a chart exports as a standalone SVG (styles inlined) and as a PNG at twice its size', async () => {
  const chart = page.page.locator('aside.details svg.chart');
  await chart.waitFor();
  const bar = page.page.locator('aside.details .chart-export');
  const size = await chart.boundingBox();
  assert.ok(size);
  const before = (await page.posted()).filter((m) => m.method === 'saveExport').length;
  await bar.locator('button', { hasText: 'SVG' }).click();
  await waitForSaves(before + 1);
  const svg = await lastSaved();
  assert.equal(svg.kind, 'svg');
  assert.doesNotMatch(svg.data, /var\(--/, 'theme variables are resolved');
  assert.doesNotMatch(svg.data, /currentColor/i);
  const check = await page.page.evaluate(async (text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const root = doc.documentElement;
    const image = new Image();
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`;
    await image.decode();
    const paths = Array.from(doc.querySelectorAll('path')).map((p) => p.getAttribute('stroke') ?? '');
    return { error: doc.querySelector('parsererror') !== null, name: root.localName, width: root.getAttribute('width'), natural: image.naturalWidth, paths };
  }, svg.data);
  assert.equal(check.error, false);
  assert.equal(check.name, 'svg');
  assert.ok(Math.abs(Number(check.width) - size.width) <= 1);
  assert.ok(check.natural > 0, 'the SVG renders as an image on its own');
  assert.ok(
    check.paths.some((s) => /^rgb/.test(s)),
    'marks carry resolved colours',
  );
  assert.doesNotMatch(svg.data, / style="/, 'no style attributes (the content policy forbids them, and they are not needed)');

  await bar.locator('button', { hasText: 'PNG' }).click();
  await waitForSaves(before + 2);
  const png = await lastSaved();
  assert.equal(png.kind, 'png');
  assert.equal(png.encoding, 'base64');
  const bytes = Buffer.from(png.data, 'base64');
  assert.deepEqual([...bytes.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  const ratio = Math.max(2, await page.page.evaluate(() => window.devicePixelRatio));
  assert.equal(bytes.readUInt32BE(16), Math.round(size.width * ratio));
  assert.equal(bytes.readUInt32BE(20), Math.round(size.height * ratio));
  assert.deepEqual(page.errors, []);
});

test('a PNG that cannot be drawn says so in the notice instead of failing unseen', async () => {
  const bar = page.page.locator('aside.details .chart-export');
  const before = (await page.posted()).filter((m) => m.method === 'saveExport').length;
  // The canvas refuses to encode, as it does when it is too large for the browser.
  await page.page.evaluate(() => {
    const proto = HTMLCanvasElement.prototype as HTMLCanvasElement & { realToBlob?: HTMLCanvasElement['toBlob'] };
    proto.realToBlob = proto.toBlob;
    proto.toBlob = function (callback: BlobCallback) {
      callback(null);
    };
  });
  try {
    await bar.locator('button', { hasText: 'PNG' }).click();
    await page.page.locator('.notice', { hasText: 'Export failed: the chart could not be drawn as PNG' }).waitFor();
  } finally {
    await page.page.evaluate(() => {
      const proto = HTMLCanvasElement.prototype as HTMLCanvasElement & { realToBlob?: HTMLCanvasElement['toBlob'] };
      if (proto.realToBlob) proto.toBlob = proto.realToBlob;
    });
  }
  assert.equal((await page.posted()).filter((m) => m.method === 'saveExport').length, before, 'nothing was handed to the host');
  assert.deepEqual(page.errors, []);
});

test('in every theme the bars and outliers draw in the series colours, opaque enough to see', async () => {
  await page.page.locator('.table-wrap').evaluate((node) => (node.scrollLeft = 0));
  await page.page.locator('.table-wrap').focus();
  await page.page.keyboard.press('Escape');
  await table().locator('tbody tr').nth(0).click();
  await page.page.locator('.table-wrap').focus();
  await page.page.keyboard.press('Shift+ArrowDown');
  await page.page.keyboard.press('Shift+ArrowDown');
  for (const theme of [LIGHT, HIGH_CONTRAST, HIGH_CONTRAST_LIGHT, DARK]) {
    await page.applyTheme(theme);
    const look = await table()
      .locator('tbody td.bar[data-key="effectiveRank"]')
      .first()
      .evaluate((td) => ({ image: getComputedStyle(td).backgroundImage, blue: getComputedStyle(document.body).getPropertyValue('--ll-blue') }));
    assert.match(look.image, /linear-gradient/, theme.name);
    assert.match(look.image, /rgb|color\(/, `${theme.name}: ${look.image}`);
    // Rows picked for copying wear the selected row's style, distinct from an unpicked row.
    const backgrounds = await table()
      .locator('tbody tr')
      .evaluateAll((trs) => trs.slice(0, 4).map((tr) => `${tr.getAttribute('aria-selected')} ${getComputedStyle(tr).backgroundColor}`));
    assert.deepEqual(
      backgrounds.map((b) => b.split(' ')[0]),
      ['true', 'true', 'true', 'false'],
      theme.name,
    );
    const picked = new Set(backgrounds.slice(0, 3).map((b) => b.slice(5)));
    assert.equal(picked.size, 1, `${theme.name}: ${backgrounds.join(' | ')}`);
    assert.notEqual(backgrounds[3].slice(6), backgrounds[0].slice(5), `${theme.name}: picked rows look like the others`);
    await page.screenshot(`table-${theme.name}`);
  }
});
