import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { overviewGrid } from '../../webview/model/rankOverviewModel';
import { corpusPath } from '../helpers/fixtures';
import { Lens, type LensPage } from './browser';
import { recordAdapter, type Recording } from './recording';

// A real LyCORIS LoKr file with kohya names (350 modules) and kohya's ss_* training metadata,
// several values holding JSON.
let lens: Lens;
let page: LensPage;
let rec: Recording;

before(async () => {
  rec = await recordAdapter(corpusPath('lycoris-lokr-r4', 'smart_falcon_4_lokr.safetensors'));
  lens = await Lens.launch();
  page = await lens.open();
  await page.send(rec.overview, ...rec.stream, rec.done);
});

after(async () => {
  await lens?.close();
});

test('kohya training metadata is listed with readable labels; JSON values open as formatted text', async () => {
  await page.showTab('Overview');
  const entries = page.page.locator('.overview dl.entries').first();
  await entries.waitFor();
  const meta = rec.overview.params.metadata;
  assert.ok(meta.length > 20);
  assert.equal(await entries.locator('dt').count(), meta.length);
  assert.deepEqual(
    (await entries.locator('dt').allTextContents()).slice(0, 3),
    meta.slice(0, 3).map((m) => m.label),
  );
  const withJson = meta.filter((m) => m.json !== undefined && typeof m.json === 'object' && m.json !== null);
  assert.ok(withJson.length > 0, 'some ss_* values hold JSON');
  assert.equal((await entries.locator('details.json').count()) >= withJson.length, true);
  const first = withJson[0];
  const item = entries.locator('dt', { hasText: first.label }).first();
  const details = item.locator('xpath=following-sibling::dd[1]').locator('details');
  await details.locator('summary').click();
  assert.deepEqual(JSON.parse((await details.locator('pre').textContent()) ?? ''), first.json);
  await page.screenshot('kohya-overview');
});

test('all 350 modules are listed and analysed; the ranks overview has a cell per module and a distinct label per block', async () => {
  await page.showTab('Layers');
  await page.page.locator('.status-text', { hasText: 'Analysed 350 of 350' }).waitFor();
  assert.equal(await page.page.locator('table.layers tbody tr').count(), 350);
  assert.equal(await page.page.locator('table.layers td.pending').count(), 0);
  // 350 modules open on the layer × module-type overview: every module has its cell.
  await page.showTab('Ranks');
  await page.page.locator('.rank-overview canvas').waitFor();
  const grid = overviewGrid(rec.overview.params.layers);
  assert.equal(grid.columns.length, new Set(rec.overview.params.layers.map((l) => l.block ?? '(no block)')).size);
  assert.equal(grid.cells.filter((i) => i >= 0).length, 350);
  // Long kohya block names shorten to the part that differs: no two layer labels alike.
  const labels = await page.page.locator('.rank-overview .axis.x .tick tspan').allTextContents();
  assert.ok(labels.length > 4);
  assert.equal(new Set(labels).size, labels.length, labels.join(' '));
  await page.screenshot('kohya-ranks');
  assert.deepEqual(page.errors, []);
});
