import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { corpusPath } from '../helpers/fixtures';
import { Lens, type LensPage } from './browser';
import { recordAdapter, type Recording } from './recording';

// A file above loraLens.analysis.maxAutoBytes: the host sends the overview, then `held`; the
// page shows why nothing runs and an Analyze button that asks the host to start.
let lens: Lens;
let page: LensPage;
let rec: Recording;

before(async () => {
  rec = await recordAdapter(corpusPath('peft-tinygpt2'));
  lens = await Lens.launch();
  page = await lens.open();
});

after(async () => {
  await lens?.close();
});

test('a held analysis says why and offers Analyze, which posts startAnalysis; the results then stream in as usual', async () => {
  const reason = 'This file (600.0 MB) is larger than the setting loraLens.analysis.maxAutoBytes';
  await page.send(rec.overview, { kind: 'notify', method: 'held', params: { reason } });
  const status = page.page.locator('.status-text');
  await status.filter({ hasText: 'Not analysed yet' }).waitFor();
  assert.equal(await status.textContent(), `Not analysed yet: ${reason}`);
  const analyze = page.page.locator('vscode-button.start');
  assert.equal(await analyze.isVisible(), true);
  assert.equal(await page.page.locator('vscode-button.cancel').isVisible(), false);
  assert.equal(await page.page.locator('vscode-progress-bar').isVisible(), false);
  await page.screenshot('held');

  await analyze.click();
  await page.page.waitForFunction(() => window.__lens.posted.some((m) => (m as { method?: string }).method === 'startAnalysis'));
  const requests = (await page.posted()).filter((m) => m.method === 'startAnalysis');
  assert.equal(requests.length, 1);
  assert.equal(requests[0].kind, 'request');
  assert.deepEqual(requests[0].params, {});

  // The host restarts by sending the overview again, then the stream.
  await page.send(rec.overview, ...rec.stream, rec.done);
  await status.filter({ hasText: `Analysed ${rec.results.length} of ${rec.results.length} modules` }).waitFor();
  assert.equal(await analyze.isVisible(), false);
});
