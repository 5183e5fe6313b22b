import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { openWorkbench, type Workbench } from './openWorkbench';
import { runCommand } from './quickInput';
import { assertEventually, quickOpen, settled, webview } from './workbench';

/**
 * The check in a real VS Code (code-server): a real PEFT adapter whose adapter_config.json says
 * r = 8 while its tensors have rank 4 is opened in LoRA Lens; the finding shows in the Problems
 * panel on the `r` line of the config, its quick fix sets `r` to 4, and once the config is saved
 * the finding goes. Needs what e2e.test.ts needs.
 */

const ROOT = resolve(__dirname, '..', '..', '..');
const VSIX = join(ROOT, 'lora-lens-linux-x64.vsix');
/** sshleifer/tiny-gpt2 with a rank-4 PEFT LoRA: six modules, a 2 KB file, `"r": 4` on line 18 of its config. */
const CORPUS = join(ROOT, 'test', 'corpus', 'peft-tinygpt2');
const SCREENSHOTS = join(ROOT, 'test', 'integration', 'screenshots');
const PORT = 8000 + Math.floor(Math.random() * 900);
const CODE = 'HEALTH_CONFIG_RANK_MISMATCH';

let temp = '';
let config = '';
let original = '';
let bench: Workbench | undefined;
let page: Page;

before(async () => {
  assert.ok(existsSync(VSIX), `${VSIX} is missing: run npm run package`);
  temp = await mkdtemp(join(tmpdir(), 'lora-lens-problems-'));
  const workspace = join(temp, 'workspace');
  await mkdir(join(workspace, 'adapter'), { recursive: true });
  await copyFile(join(CORPUS, 'adapter_model.safetensors'), join(workspace, 'adapter', 'adapter_model.safetensors'));
  // The corpus config with its `r` changed, the rest of its text as PEFT wrote it.
  const text = await readFile(join(CORPUS, 'adapter_config.json'), 'utf8');
  assert.ok(text.includes('  "r": 4,\n'));
  original = text.replace('  "r": 4,\n', '  "r": 8,\n');
  config = join(workspace, 'adapter', 'adapter_config.json');
  await writeFile(config, original);
  await mkdir(SCREENSHOTS, { recursive: true });
  bench = await openWorkbench(temp, VSIX, workspace, PORT, 'LoRA Lens: Show Compute Info');
  page = bench.page;
});

after(async () => {
  await bench?.close();
  if (temp) await rm(temp, { recursive: true, force: true });
});

/** The visible rows of the Problems panel, with Monaco's non-breaking spaces as spaces. */
async function problemRows(): Promise<string[]> {
  const rows = await page.locator('.markers-panel .monaco-list-row').allInnerTexts();
  return rows.map((r) => r.replace(/\u00a0/g, ' ').replace(/\s+/g, ' '));
}

test("a config r that contradicts the tensors shows on its line in the Problems panel; the quick fix sets r to the tensors' rank", { timeout: 180_000 }, async () => {
  await quickOpen(page, 'adapter_model.safetensors');
  // The analysis is done (every module's numbers are in the table): the check reuses it.
  await webview(page).locator('td[data-key="frobenius"]:not(.pending)').nth(5).waitFor({ timeout: 60_000 });

  await runCommand(page, 'View: Toggle Problems');
  await page.locator('.markers-panel').waitFor({ state: 'visible', timeout: 15_000 });
  await assertEventually(
    page,
    async () => (await problemRows()).some((r) => r.includes(CODE) && r.includes("the config's r is 8") && r.includes('[Ln 18, Col 3]')),
    `no ${CODE} problem on line 18 of adapter_config.json`,
    60_000,
  );
  assert.ok(
    (await problemRows()).some((r) => r.startsWith('adapter_config.json')),
    'the problem is filed under adapter_config.json',
  );
  await settled(page);
  await page.screenshot({ path: join(SCREENSHOTS, 'problems-panel.png') });

  // Opening the problem opens the config at the `r` line; Quick Fix offers the tensors' rank.
  await page.locator('.markers-panel .monaco-list-row', { hasText: CODE }).first().dblclick();
  await page.locator('.tabs-container .tab.active', { hasText: 'adapter_config.json' }).waitFor({ state: 'visible', timeout: 15_000 });
  const fix = page.locator('.action-widget .monaco-list-row', { hasText: 'Set r to 4' });
  await assertEventually(
    page,
    async () => {
      if (await fix.isVisible().catch(() => false)) return true;
      await page.keyboard.press('Escape');
      await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+G');
      // Line 18, column 4: inside the problem's range, where Quick Fix looks for it.
      await page.keyboard.type('18:4');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Control+.');
      return fix.isVisible({ timeout: 5000 }).catch(() => false);
    },
    'the quick fix "Set r to 4" was not offered',
    60_000,
  );
  await fix.first().click();
  const rLine = page.locator('.editor-instance .monaco-editor .view-line', { hasText: /"r":\s4,/ });
  await rLine.first().waitFor({ state: 'visible', timeout: 15_000 });

  // Saved, the config holds the fixed value and nothing else changed; the re-check clears the problem.
  // The palette ranks "Compare Active File with Saved" above "Save": the editor's own key saves it.
  await assertEventually(
    page,
    async () => {
      if ((await readFile(config, 'utf8')) !== original) return true;
      await rLine.first().click();
      await page.keyboard.press('Control+S');
      return false;
    },
    'the fixed config was not saved',
    30_000,
  );
  assert.equal(await readFile(config, 'utf8'), original.replace('  "r": 8,\n', '  "r": 4,\n'));
  await assertEventually(page, async () => !(await problemRows()).some((r) => r.includes(CODE)), `the ${CODE} problem stayed after the fix`, 60_000);
});
