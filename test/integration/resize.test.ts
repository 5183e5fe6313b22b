import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { openAdapter } from '../../src/core/adapter/load';
import { analyzeAdapter } from '../../src/core/analysis/analyze';
import { recommendRanks } from '../../src/core/resize/recommend';
import { openWorkbench, type Workbench } from './openWorkbench';
import { acceptStep, answerStep, nextPoll, QUICK_INPUT_BOX, untilQuickInput } from './quickInput';
import { quickOpen, settled, toastText, webview } from './workbench';

/**
 * Rank recommendation and Resize Adapter… in a real VS Code (code-server): the ranks view's
 * caption from the real host, then a real PEFT adapter resized from that view to a new folder
 * through the command's own pickers and dialogs, its report opened, and the result reopened in
 * LoRA Lens with the kept ranks and the truncated norms. Needs what e2e.test.ts needs.
 */

const ROOT = resolve(__dirname, '..', '..', '..');
const VSIX = join(ROOT, 'lora-lens-linux-x64.vsix');
const CORPUS = join(ROOT, 'test', 'corpus', 'peft-qwen25-muzammel');
const SCREENSHOTS = join(ROOT, 'test', 'integration', 'screenshots');
const PORT = 8000 + Math.floor(Math.random() * 900);

let temp = '';
let workspace = '';
let bench: Workbench | undefined;
let page: Page;

before(async () => {
  assert.ok(existsSync(VSIX), `${VSIX} is missing: run npm run package`);
  temp = await mkdtemp(join(tmpdir(), 'lora-lens-resize-'));
  workspace = join(temp, 'workspace');
  await mkdir(join(workspace, 'adapter'), { recursive: true });
  for (const name of ['adapter_model.safetensors', 'adapter_config.json']) await copyFile(join(CORPUS, name), join(workspace, 'adapter', name));
  await mkdir(SCREENSHOTS, { recursive: true });
  bench = await openWorkbench(temp, VSIX, workspace, PORT, 'LoRA Lens: Resize Adapter…');
  page = bench.page;
});

after(async () => {
  await bench?.close();
  if (temp) await rm(temp, { recursive: true, force: true });
});

interface SavedReport {
  readonly dtype: string;
  readonly plan: { readonly layers: readonly { readonly name: string; readonly rank: number; readonly kept: number; readonly relativeError: number }[] };
}

test(
  "the ranks view shows the host's recommendation; its Resize Adapter… writes a smaller PEFT adapter and its report, which reopen in LoRA Lens",
  { timeout: 180_000 },
  async () => {
    const output = join(workspace, 'adapter-resized');
    const opened = await openAdapter(join(CORPUS, 'adapter_model.safetensors'));
    const before = await analyzeAdapter(opened).finally(() => opened.file.close());
    const layers = opened.adapter.modules;
    const inputs = before.modules.map((m, i) => ({
      name: m.name,
      shape: layers[i].shape,
      rank: layers[i].rank,
      sigma: m.status === 'ok' ? m.singularValues : new Float64Array(0),
    }));
    const expected = recommendRanks(inputs, { kind: 'sv_fro', target: 0.8 });
    await quickOpen(page, 'adapter_model.safetensors');
    const view = webview(page);
    // The editor's webview takes focus when it has loaded; a picker opened before then would close.
    await view.locator('table.layers tbody tr').first().waitFor({ state: 'visible', timeout: 30_000 });
    await view.locator('td[data-key="frobenius"]:not(.pending)').nth(47).waitFor({ timeout: 30_000 });
    await view.locator('vscode-tab-header', { hasText: 'Ranks' }).click();
    await view.locator('.rec-caption', { hasText: '95 % energy: keeps' }).waitFor({ timeout: 30_000 });
    await view.locator('vscode-single-select.rec-method').click();
    await view.locator('vscode-single-select.rec-method li.option', { hasText: 'kohya sv_fro' }).first().click();
    await view.locator('vscode-textfield.rec-param input').fill('0.8');
    // The caption is the host's plan over the spectra it computed: the core's numbers for this file.
    const caption = view.locator('.rec-caption', { hasText: 'kohya sv_fro 0.8: keeps' });
    await caption.waitFor({ timeout: 30_000 });
    const keptTotal = expected.layers.reduce((s, l) => s + l.kept, 0);
    const text = await caption.innerText();
    assert.ok(text.startsWith(`kohya sv_fro 0.8: keeps ${keptTotal} of 384 ranks in 48 layers`), text);
    const overall = Number(/overall relative error ([\d.]+)%/.exec(text)?.[1]) / 100;
    assert.ok(Math.abs(overall - expected.overallRelativeError) <= 5e-4 * expected.overallRelativeError, `${text} vs ${expected.overallRelativeError}`);
    assert.equal(await view.locator('svg.rank-chart rect.rec-marker').count(), 48);
    await settled(page);
    await page.screenshot({ path: join(SCREENSHOTS, 'ranks-recommended.png') });

    // The view's button runs the command with its method as the default: Enter keeps both.
    await view.locator('vscode-button.rec-resize').click();
    await untilQuickInput(
      page,
      (s) => s.title === 'Resize Adapter: rank method' && s.activeRow.startsWith('kohya sv_fro'),
      "the method picker did not offer the view's method",
      15_000,
    );
    await acceptStep(page, 'Resize Adapter: rank method', (s) => s.activeRow.startsWith('kohya sv_fro'), 'the method picker lost its active method');
    await untilQuickInput(page, (s) => s.title.startsWith('Resize Adapter: kohya sv_fro') && s.value === '0.8', "the parameter box did not offer the view's 0.8");
    // A refused value says why before anything is asked next.
    await page.locator(QUICK_INPUT_BOX).fill('1.5');
    await untilQuickInput(
      page,
      (s) => s.title.startsWith('Resize Adapter: kohya sv_fro') && s.value === '1.5' && s.message.includes('in (0, 1]'),
      'the parameter box did not refuse 1.5',
      10_000,
    );
    await answerStep(page, 'Resize Adapter: kohya sv_fro', '0.8');
    await answerStep(page, 'Resize Adapter: output format', 'PEFT', { pick: true });
    // The save dialog is the workbench's own (a quick input) in code-server; its proposal, a folder beside the input's, is taken.
    await acceptStep(page, 'Resized adapter:', (s) => s.value.endsWith('/adapter-resized') && s.rows.length > 0, 'the save dialog did not propose a folder beside the adapter');
    await eventually(async () => existsSync(join(output, 'resize-report.md')), 'the resized adapter and its report were not written', 90_000);
    assert.ok(existsSync(join(output, 'adapter_model.safetensors')) && existsSync(join(output, 'adapter_config.json')));
    // The Markdown report opens in an editor.
    await page.locator('.tabs-container .tab', { hasText: 'resize-report.md' }).first().waitFor({ state: 'visible', timeout: 15_000 });
    const report = JSON.parse(await readFile(join(output, 'resize-report.json'), 'utf8')) as SavedReport;
    assert.equal(report.plan.layers.length, 48);
    assert.ok(report.plan.layers.every((l) => l.kept >= 1 && l.kept <= l.rank));
    assert.deepEqual(
      report.plan.layers.map((l) => l.kept),
      expected.layers.map((l) => l.kept),
    );
    assert.ok(
      report.plan.layers.some((l) => l.kept < l.rank),
      'sv_fro 0.8 truncates some layer of this adapter',
    );
    await eventually(async () => /resized adapter written to/.test(await toastText(page)), 'no notification of the written adapter');
    await settled(page);
    await page.screenshot({ path: join(SCREENSHOTS, 'resize-report.png') });
    await page.locator('.notifications-toasts .monaco-button', { hasText: 'Open resized adapter' }).first().click();

    // The reopened adapter: each layer's rank is the kept rank, its ‖ΔW‖F the truncation's,
    // sqrt(1 − e²)·‖ΔW‖F with e the reported relative error (F32 output: far below the 4 shown digits).
    const rows = webview(page).locator('table.layers tbody tr');
    await eventually(
      async () => (await rows.count()) === 48 && (await webview(page).locator('table.layers td[data-key="frobenius"].pending').count()) === 0,
      'the resized adapter did not open and analyse in LoRA Lens',
      60_000,
    );
    const ranks = await webview(page).locator('table.layers tbody td[data-key="rank"]').allInnerTexts();
    assert.deepEqual(
      ranks.map(Number),
      report.plan.layers.map((l) => l.kept),
    );
    const norms = await webview(page).locator('table.layers tbody td[data-key="frobenius"]').allInnerTexts();
    report.plan.layers.forEach((layer, i) => {
      const original = before.modules[i];
      assert.ok(original.status === 'ok' && original.name === layer.name);
      const want = original.metrics.frobenius * Math.sqrt(1 - layer.relativeError ** 2);
      assert.ok(Math.abs(Number(norms[i]) - want) <= 5e-4 * want, `${layer.name}: ${norms[i]} vs ${want}`);
    });
    await settled(page);
    await page.screenshot({ path: join(SCREENSHOTS, 'resize-reopened.png') });
  },
);

test('a budget too small is refused before anything is written; an existing output is replaced only after Replace', { timeout: 180_000 }, async () => {
  // The active LoRA Lens editor is the resized adapter now: it is the input, and the proposed output a folder beside it.
  const output = join(workspace, 'adapter-resized-resized');
  const weights = join(output, 'adapter_model.safetensors');
  const dialog = page.locator('.monaco-dialog-box');
  const resize = async (method: string, param: string, exists = false) => {
    await answerStep(page, 'Resize Adapter: rank method', method, { pick: true, command: 'LoRA Lens: Resize Adapter…' });
    await answerStep(page, `Resize Adapter: ${method}`, param);
    await answerStep(page, 'Resize Adapter: output format', 'PEFT', { pick: true });
    // An existing folder is proposed as its path with a trailing slash; a save dialog will not
    // take a folder that exists, so its adapter_model.safetensors is named instead.
    const proposal = await untilQuickInput(
      page,
      (s) => s.title.startsWith('Resized adapter:') && /\/adapter-resized-resized\/?$/.test(s.value) && s.rows.length > 0,
      'the save dialog did not propose a folder beside the input',
    );
    if (exists) await answerStep(page, 'Resized adapter:', join(output, 'adapter_model.safetensors'), { row: 'adapter_model.safetensors' });
    else await acceptStep(page, 'Resized adapter:', (s) => s.value === proposal.value, 'the save dialog lost its proposal');
  };
  /** The extension's own question, after the save dialog's (which asks in its quick input before naming an existing file). */
  const replaceQuestion = async () => {
    const dialogsOwn = page.locator('.quick-input-widget .quick-input-title', { hasText: 'Are you sure you want to overwrite it?' });
    await visible(dialogsOwn.or(dialog), 30_000);
    if (await dialogsOwn.isVisible()) await acceptStep(page, 'Are you sure you want to overwrite it?', () => true, 'the overwrite question stayed');
    await visible(dialog, 30_000);
  };

  await resize('Budget: total rank', '10');
  await visible(dialog, 60_000);
  const refused = await dialog.innerText();
  assert.match(refused, /adapter_model.safetensors was not resized; nothing was written/);
  assert.match(refused, /budget of a total rank of 10 cannot keep one component in each of the 48 modules/);
  await settled(page);
  await page.screenshot({ path: join(SCREENSHOTS, 'resize-refused.png') });
  await dialog.locator('.monaco-button').first().click();
  // Focus goes back to the editor as the dialog closes; a palette opened meanwhile would close.
  await dialog.waitFor({ state: 'hidden' });
  await focusBack();
  assert.equal(existsSync(output), false, 'a refused resize created its output folder');

  await resize('Fixed rank', '2');
  await eventually(async () => existsSync(join(output, 'resize-report.md')), 'the fixed-rank resize was not written', 90_000);
  const first = await stat(weights);
  // A fixed rank k keeps min(k, r) of a layer of rank r.
  const fixedAt = async (k: number) =>
    (JSON.parse(await readFile(join(output, 'resize-report.json'), 'utf8')) as SavedReport).plan.layers.every((l) => l.kept === Math.min(k, l.rank));
  assert.ok(await fixedAt(2));

  await resize('Fixed rank', '1', true);
  await replaceQuestion();
  assert.match(await dialog.innerText(), /adapter_model\.safetensors already exists\. Replace it with the resized adapter\?/);
  await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await focusBack();
  assert.equal((await stat(weights)).mtimeMs, first.mtimeMs, 'the output changed without Replace');
  assert.ok(await fixedAt(2));

  await resize('Fixed rank', '1', true);
  await replaceQuestion();
  await dialog.locator('.monaco-button', { hasText: 'Replace' }).click();
  await eventually(() => fixedAt(1), 'Replace did not rewrite the output', 90_000);
  assert.ok((await stat(weights)).mtimeMs > first.mtimeMs);
  // Each write is logged, in order: the fixed rank 2 and the Replace, none for the Cancel
  // (checked once the Replace's line is in the log, not by waiting a while after the Cancel).
  await eventually(async () => (await writesLogged(weights)) >= 2, 'the log does not name the written output');
  assert.equal(await writesLogged(weights), 2, 'the cancelled resize wrote the output');
});

/** Waits for a locator; on a timeout, a picture of the window goes to the temp folder first. */
async function visible(locator: Locator, timeoutMs: number): Promise<void> {
  await locator.waitFor({ state: 'visible', timeout: timeoutMs }).catch(async (error: unknown) => {
    await page.screenshot({ path: join(tmpdir(), `lora-lens-resize-failure-${Date.now()}.png`) }).catch(() => undefined);
    throw error;
  });
}

async function eventually(check: () => Promise<boolean>, message: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      await page.screenshot({ path: join(tmpdir(), `lora-lens-resize-failure-${Date.now()}.png`) }).catch(() => undefined);
      assert.fail(message);
    }
    await nextPoll();
  }
}

/** Waits until the window has the keyboard focus back on the editor after a modal dialog (or a prompt) closed. */
async function focusBack(): Promise<void> {
  await page.waitForFunction(
    () => document.hasFocus() && !document.activeElement?.closest('.monaco-dialog-box, .quick-input-widget') && document.activeElement !== document.body,
    undefined,
    { timeout: 15_000 },
  );
}

/** How many times the extension's log says it wrote `weights`. */
async function writesLogged(weights: string): Promise<number> {
  const entries = await readdir(join(temp, 'user-data', 'logs'), { withFileTypes: true, recursive: true }).catch(() => []);
  const files = entries.filter((e) => e.isFile() && e.name === 'LoRA Lens.log').map((e) => join(e.parentPath, e.name));
  const text = (await Promise.all(files.map((f) => readFile(f, 'utf8')))).join('\n');
  return text.split('\n').filter((line) => line.includes(` to ${weights}: kept `)).length;
}
