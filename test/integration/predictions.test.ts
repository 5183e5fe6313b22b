import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { Rng } from '../helpers/random';
import { openWorkbench, type Workbench } from './openWorkbench';
import { acceptStep, answerStep, runCommand, untilQuickInput } from './quickInput';
import { assertEventually, quickOpen, settled, toastText, webview } from './workbench';

/**
 * Property predictors in a real VS Code (code-server): a predictor trained by the CLI on a small
 * generated zoo sits in the workspace's `.lora-lens/predictors/`; a zoo adapter opens, its card
 * shows the value `lora-lens predict` prints, "Check Predictor Invariance" turns the badge to ✓,
 * "Load Property Predictor…" adds a classifier from outside the workspace, and "Train Property
 * Predictor…" trains a third through its dialogs.
 */

const ROOT = resolve(__dirname, '..', '..', '..');
const VSIX = join(ROOT, 'lora-lens-linux-x64.vsix');
const CLI = join(ROOT, 'dist', 'cli.js');
const SCREENSHOTS = join(ROOT, 'test', 'integration', 'screenshots');
const PORT = 8000 + Math.floor(Math.random() * 900);

const rng = Rng.fresh();
let temp = '';
let workspace = '';
let classifier = '';
let predicted = 0;
let bench: Workbench | undefined;
let page: Page;

const cli = (...args: string[]) => execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

before(async () => {
  assert.ok(existsSync(VSIX), `${VSIX} is missing: run npm run package`);
  temp = await mkdtemp(join(tmpdir(), 'lora-lens-e2e-predict-'));
  workspace = join(temp, 'workspace');
  const zoo = join(temp, 'zoo');
  cli('make-zoo', zoo, '--count', '10', '--seed', String(rng.int(1, 1e9)), '--quiet');
  const regression = join(workspace, '.lora-lens', 'predictors', 'loss-ridge');
  cli('train-predictor', '--zoo', zoo, '--labels', join(zoo, 'labels.csv'), '--target', 'final_loss', '--folds', '3', '--out', regression, '--quiet');
  classifier = join(temp, 'classifier');
  cli('train-predictor', '--zoo', zoo, '--labels', join(zoo, 'labels.csv'), '--target', 'rank', '--model', 'logistic', '--folds', '3', '--out', classifier, '--quiet');
  // One zoo adapter in the workspace, named so that it opens in LoRA Lens by default.
  await mkdir(join(workspace, 'probe'), { recursive: true });
  await copyFile(join(zoo, 'adapter-000', 'adapter_model.safetensors'), join(workspace, 'probe', 'zoo_lora.safetensors'));
  await copyFile(join(zoo, 'adapter-000', 'adapter_config.json'), join(workspace, 'probe', 'adapter_config.json'));
  const json = JSON.parse(cli('predict', join(workspace, 'probe', 'zoo_lora.safetensors'), '--predictor', regression, '--json')) as { prediction: { kind: string; value: number } };
  assert.equal(json.prediction.kind, 'regression');
  predicted = json.prediction.value;
  await mkdir(SCREENSHOTS, { recursive: true });
  bench = await openWorkbench(temp, VSIX, workspace, PORT, 'LoRA Lens: Show Compute Info');
  page = bench.page;
});

after(async () => {
  await bench?.close();
  if (temp) await rm(temp, { recursive: true, force: true });
});

test(`a zoo adapter shows the workspace predictor's card with the value the CLI predicts ${rng.tag}`, { timeout: 120_000 }, async () => {
  await quickOpen(page, 'zoo_lora.safetensors');
  const view = webview(page);
  await view.locator('table.layers tbody tr').first().waitFor({ state: 'visible', timeout: 30_000 });
  await view.locator('vscode-tab-header', { hasText: 'Predicted properties' }).click();
  const card = view.locator('article.prediction-card', { hasText: 'final_loss-ridge' });
  const value = card.locator('.value-number');
  await value.waitFor({ state: 'visible', timeout: 60_000 });
  const shown = Number((await value.innerText()).replace('−', '-'));
  // Same adapter, same predictor; the extension analyses on its worker, the CLI on its own: 4 digits shown.
  assert.ok(Math.abs(shown - predicted) <= 5e-4 * Math.abs(predicted), `${shown} vs ${predicted} ${rng.tag}`);
  assert.equal(await card.locator('.badge').innerText(), 'invariance not checked');
  assert.match(await card.locator('dl.card-facts').innerText(), /Held-out\s+R² .*\n.*Baseline\s+R² .*raw factors/s);
});

test('Check Predictor Invariance reports the largest change and the badge turns to ✓', { timeout: 180_000 }, async () => {
  await runCommand(page, 'LoRA Lens: Check Predictor Invariance');
  await assertEventually(
    page,
    async () => /largest relative change .* over 8 random GL\(r\) reparametrizations — invariant/.test(await toastText(page)),
    'no invariance notification',
    150_000,
  );
  const change = Number(/largest relative change (\S+)/.exec(await toastText(page))?.[1]);
  assert.ok(change <= 1e-4, `the spectral predictor moved by ${change}`);
  const badge = webview(page).locator('article.prediction-card', { hasText: 'final_loss-ridge' }).locator('.badge');
  await assertEventually(page, async () => (await badge.innerText()).startsWith('✓ invariant'), 'the badge did not turn to ✓');
});

test('Load Property Predictor… adds a classifier from outside the workspace: its card lists the label probabilities', { timeout: 120_000 }, async () => {
  // The workbench's own folder dialog (a quick input): it fills in its starting folder on its own
  // after opening, which would replace a path typed earlier. A trailing slash opens the folder;
  // a folder dialog lists no files, so the card below is what says the right folder was taken.
  await answerStep(page, 'Property predictor folder', `${classifier}/`, { dialog: true, button: 'Load Predictor', command: 'LoRA Lens: Load Property Predictor…' });
  const card = webview(page).locator('article.prediction-card', { hasText: 'rank-logistic' });
  await card
    .locator('.probability-bars')
    .waitFor({ state: 'visible', timeout: 60_000 })
    .catch(async (error: unknown) => {
      await page.screenshot({ path: join(SCREENSHOTS, 'load-predictor-failed.png') });
      const input = await page
        .locator('.quick-input-widget')
        .innerText({ timeout: 1000 })
        .catch(() => '(no quick input)');
      throw new Error(
        `no classifier card; notifications: ${(await toastText(page)).slice(0, 400)}; quick input: ${input.slice(0, 300)}; log: ${(await extensionLog()).slice(-1500)}`,
        { cause: error },
      );
    });
  const shares = (await card.locator('.bar-text').allInnerTexts()).map((t) => Number(t.replace('%', '')) / 100);
  assert.ok(shares.length >= 2);
  assert.ok(Math.abs(shares.reduce((s, q) => s + q, 0) - 1) <= 0.0005 * shares.length, `probabilities ${shares.join(', ')}`);
});

test('Train Property Predictor… trains on the zoo in the workspace predictors folder; the new card appears', { timeout: 240_000 }, async () => {
  await trainThroughDialogs().catch(async (error: unknown) => {
    await page.screenshot({ path: join(SCREENSHOTS, 'train-predictor-failed.png') });
    const shown = await page
      .locator('.quick-input-widget')
      .innerText({ timeout: 1000 })
      .catch(() => '(no quick input)');
    throw new Error(
      `${error instanceof Error ? error.message.split('\n')[0] : String(error)}; quick input: ${shown.slice(0, 300)}; notifications: ${(await toastText(page)).slice(0, 300)}`,
      { cause: error },
    );
  });
  const card = webview(page).locator('article.prediction-card', { hasText: 'alignment_u-ridge' });
  await card.locator('.value-number').waitFor({ state: 'visible', timeout: 60_000 });
  assert.match(await card.locator('.card-subtitle').innerText(), /v1 · ridge · workspace/);
  assert.ok(existsSync(join(workspace, '.lora-lens', 'predictors', 'alignment_u-ridge', 'model.onnx')));
  await page.keyboard.press('Escape');
  await page.mouse.move(5, 5);
  await settled(page);
  await page.screenshot({ path: join(SCREENSHOTS, 'predictions.png') });
});

/** Zoo folder, labels.csv, target, model and output folder, as a user answers them; resolves when training has finished. */
async function trainThroughDialogs(): Promise<void> {
  const zoo = join(temp, 'zoo');
  // The folder dialog has opened the zoo when it lists the adapter folders in it.
  await answerStep(page, 'Zoo: the folder of adapters', `${zoo}/`, { row: 'adapter-000', button: 'Use Zoo', command: 'LoRA Lens: Train Property Predictor…' });
  // labels.csv: the file dialog opens on it; a typed path is taken once the dialog lists it.
  await untilQuickInput(page, (s) => s.title.startsWith('labels.csv (an adapter column') && s.value.endsWith('labels.csv'), 'the labels dialog did not open on labels.csv');
  await answerStep(page, 'labels.csv (an adapter column', join(zoo, 'labels.csv'), { row: 'labels.csv' });
  await answerStep(page, 'Target column to predict', 'alignment_u', { pick: true });
  await answerStep(page, 'Model', 'ridge', { pick: true });
  const proposed = join(workspace, '.lora-lens', 'predictors', 'alignment_u-ridge');
  const out = await untilQuickInput(page, (s) => s.title === 'Predictor folder' && s.value !== '', 'the predictor folder box did not show');
  assert.equal(out.value, proposed);
  await acceptStep(page, 'Predictor folder', (s) => s.value === proposed, 'the predictor folder box lost its proposal');
  await assertEventually(
    page,
    async () => /trained alignment_u-ridge on 10 adapters: R² \S+, Kendall τ \S+ \(raw-factor baseline R² /.test(await toastText(page)),
    'no training notification',
    180_000,
  );
}

/** The extension's "LoRA Lens" log, as code-server wrote it under its user-data folder. */
async function extensionLog(): Promise<string> {
  const entries = await readdir(join(temp, 'user-data', 'logs'), { withFileTypes: true, recursive: true }).catch(() => []);
  const files = entries.filter((e) => e.isFile() && e.name === 'LoRA Lens.log').map((e) => join(e.parentPath, e.name));
  return (await Promise.all(files.map((f) => readFile(f, 'utf8')))).join('\n');
}
