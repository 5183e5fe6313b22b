import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { openWorkbench, type Workbench } from './openWorkbench';
import { assertEventually, quickOpen, settled, webview } from './workbench';

/**
 * Where the check shows in a real VS Code (code-server): a real PEFT adapter opens with its
 * Identity card on the Overview and the status-bar item for it; the item goes when a text file
 * is active, where hovering `r` in adapter_config.json explains it with the weights' ranks.
 */

const ROOT = resolve(__dirname, '..', '..', '..');
const VSIX = join(ROOT, 'lora-lens-linux-x64.vsix');
/** PEFT LoRA on Qwen/Qwen2.5-0.5B-Instruct q_proj/v_proj, r = 8 (test/corpus MANIFEST). */
const CORPUS = join(ROOT, 'test', 'corpus', 'peft-qwen25-muzammel');
const SCREENSHOTS = join(ROOT, 'test', 'integration', 'screenshots');
const PORT = 8000 + Math.floor(Math.random() * 900);
/** The item's text once the identity is known: the check may or may not have reported yet. */
const ITEM_TEXT = /^PEFT LoRA · Qwen2\.5 0\.5B · (checking…|no findings|\d+ findings?)$/;

let temp = '';
let workspace = '';
let bench: Workbench | undefined;
let page: Page;

const statusItem = () => page.locator('.statusbar-item', { hasText: 'Qwen2.5 0.5B' });

before(async () => {
  assert.ok(existsSync(VSIX), `${VSIX} is missing: run npm run package`);
  temp = await mkdtemp(join(tmpdir(), 'lora-lens-e2e-identity-'));
  workspace = join(temp, 'workspace');
  await mkdir(join(workspace, 'adapter'), { recursive: true });
  // A copy: the corpus is read-only.
  for (const name of ['adapter_model.safetensors', 'adapter_config.json']) await copyFile(join(CORPUS, name), join(workspace, 'adapter', name));
  await mkdir(SCREENSHOTS, { recursive: true });
  bench = await openWorkbench(temp, VSIX, workspace, PORT, 'LoRA Lens: Show Compute Info');
  page = bench.page;
});

after(async () => {
  await bench?.close();
  if (temp) await rm(temp, { recursive: true, force: true });
});

test('the Overview opens with the Identity card, and the status bar names the adapter', { timeout: 120_000 }, async () => {
  await quickOpen(page, 'adapter_model.safetensors');
  const view = webview(page);
  await view.locator('table.layers tbody tr').first().waitFor({ state: 'visible', timeout: 30_000 });
  await view.locator('vscode-tab-header', { hasText: 'Overview' }).click();
  const card = view.locator('.identity-card');
  await card.waitFor({ state: 'visible', timeout: 15_000 });
  assert.equal(await card.locator('dd.fact-container .fact-value').innerText(), 'safetensors');
  assert.equal(await card.locator('dd.fact-algorithm .fact-value').innerText(), 'LoRA');
  assert.equal(await card.locator('dd.fact-writer .fact-value').innerText(), 'PEFT');
  assert.match(await card.locator('dd.fact-architecture .fact-value').innerText(), /^Qwen2\.5 0\.5B \(confidence \d+%\)$/);
  assert.match(await card.locator('.findings-summary').innerText(), /Findings:/);
  let text = '';
  await assertEventually(
    page,
    async () => {
      text = (await statusItem().count()) === 1 ? (await statusItem().innerText()).trim() : '';
      return ITEM_TEXT.test(text);
    },
    `no status-bar item for the adapter (last: ${JSON.stringify(text)})`,
  );
  await settled(page);
  await page.screenshot({ path: join(SCREENSHOTS, 'identity.png') });
});

test('with a text editor active the item goes; hovering r in adapter_config.json shows the ranks of the weights', { timeout: 90_000 }, async () => {
  await quickOpen(page, 'adapter_config.json');
  await assertEventually(page, async () => (await statusItem().count()) === 0, 'the status-bar item stayed with a text editor active');
  const key = page.locator('.view-line span[class^="mtk"]', { hasText: /^"r"$/ }).first();
  await key.waitFor({ state: 'visible', timeout: 15_000 });
  const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: 'ranks in the tensors' });
  await assertEventually(
    page,
    async () => {
      await key.hover();
      return hover
        .first()
        .isVisible({ timeout: 2500 })
        .catch(() => false);
    },
    'no config hover on r',
  );
  const shown = await hover.first().innerText();
  assert.match(shown, /The LoRA rank/);
  assert.match(shown, /ranks in the tensors: 8 \(48 modules\)/);
  assert.match(shown, /scale s = lora_alpha \/ r = 16 \/ 8 = 2/);
  await settled(page);
  await page.screenshot({ path: join(SCREENSHOTS, 'config-hover.png') });
});
