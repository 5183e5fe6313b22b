import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { removeDir, tempDir, writeFixture } from '../helpers/fixtures';
import { Lens, type LensPage } from './browser';
import { recordAdapter, type Recording } from './recording';

// Text from a file is untrusted: a tensor name or a metadata value holding markup must show as
// that text, never become an element or run. The file holds no adapter, so it also exercises
// the tensor browser.
const MARKUP = '<img src=x onerror=alert(1)>';

let dir: string;
let lens: Lens;
let page: LensPage;
let rec: Recording;

before(async () => {
  dir = await tempDir();
  const path = await writeFixture(
    dir,
    'model.safetensors',
    [
      { name: MARKUP, shape: [2, 3], values: [1, 2, 3, 4, 5, 6], dtype: 'F32' },
      { name: 'model.embed_tokens.weight', shape: [4, 2], values: [1, 2, 3, 4, 5, 6, 7, 8], dtype: 'F32' },
    ],
    { metadata: { note: MARKUP, details: JSON.stringify({ html: MARKUP, list: [MARKUP] }) } },
  );
  rec = await recordAdapter(path);
  lens = await Lens.launch();
  page = await lens.open();
  await page.send(rec.overview, rec.done);
  await page.showTab('Overview');
  await page.page.locator('.tensor-browser table').waitFor();
});

after(async () => {
  await lens?.close();
  if (dir) await removeDir(dir);
});

test('a file without an adapter shows a note and a tensor browser', async () => {
  assert.equal(rec.overview.params.isAdapter, false);
  assert.match((await page.page.locator('.overview .note').textContent()) ?? '', /No adapter was found/);
  const names = await page.page.locator('.tensor-browser tbody td.name').allTextContents();
  assert.deepEqual([...names].sort(), [MARKUP, 'model.embed_tokens.weight'].sort());
  assert.match((await page.page.locator('.tensor-browser .count').textContent()) ?? '', /^2 of 2 tensors/);
  await page.page.locator('.tensor-browser input').fill('embed');
  await page.page.waitForFunction(() => document.querySelectorAll('.tensor-browser tbody tr').length === 1);
  assert.deepEqual(await page.page.locator('.tensor-browser tbody td').allTextContents(), ['model.embed_tokens.weight', 'F32', '4×2', '32 B']);
  await page.page.locator('.tensor-browser input').fill('');
  await page.showTab('Layers');
  assert.equal(await page.page.locator('.panel-layers .count').textContent(), '0 of 0 modules');
  await page.showTab('Overview');
});

test('markup in tensor names and metadata shows as text: no element, no script, no dialog', async () => {
  const note = page.page.locator('dl.entries dd').filter({ hasText: MARKUP });
  assert.ok((await note.count()) >= 1);
  // The JSON value opens as pretty-printed text that parses back to the same value.
  const details = page.page.locator('dl.entries details.json').first();
  await details.locator('summary').click();
  const pre = (await details.locator('pre').textContent()) ?? '';
  assert.deepEqual(JSON.parse(pre), { html: MARKUP, list: [MARKUP] });
  assert.equal(await page.page.locator('img').count(), 0);
  assert.equal(await page.page.evaluate(() => document.querySelectorAll('img, script:not([src])').length), 0);
  await page.page.waitForTimeout(200);
  assert.deepEqual(page.dialogs, []);
  assert.deepEqual(page.errors, []);
  assert.deepEqual((await page.probe()).violations, []);
  await page.screenshot('untrusted');
});
