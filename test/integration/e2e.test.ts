import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { openAdapter } from '../../src/core/adapter/load';
import { analyzeAgainstBase } from '../../src/core/base/analyzeBase';
import { BaseModel } from '../../src/core/base/baseModel';
import { JsDenseEngine } from '../../src/core/compute/dense';
import { writeBaseFixture } from '../helpers/baseFixture';
import { ggufBytes, loraKv } from '../helpers/ggufWriter';
import { Rng } from '../helpers/random';
import type { CodeServer } from './codeServer';
import { openWorkbench, type Workbench } from './openWorkbench';
import { acceptStep, answerStep, QUICK_INPUT_BOX, runCommand, untilQuickInput } from './quickInput';
import { assertEventually, quickOpen, settled, toastText, webview } from './workbench';

/**
 * The packaged extension in a real VS Code (code-server) driven through Chromium: open a real
 * PEFT adapter, read the layer table inside the webview, export a report, hover a module name
 * in a Python file and show the compute info. Needs `test/integration/setup.sh` and
 * `npm run package` first (`npm run test:e2e` does both).
 */

const ROOT = resolve(__dirname, '..', '..', '..');
const VSIX = join(ROOT, 'lora-lens-linux-x64.vsix');
const CORPUS = join(ROOT, 'test', 'corpus', 'peft-qwen25-muzammel');
/** 3.6 MB: above the 3 MB `loraLens.analysis.maxAutoBytes` the tests run with (codeServer.ts); the one above is 2.2 MB. */
const CORPUS_BIG = join(ROOT, 'test', 'corpus', 'peft-roberta-mrpc-ckpts', 'checkpoint-230');
/** A PEFT adapter saved by torch.save (zip archive): one Conv2d module. */
const CORPUS_PICKLE = join(ROOT, 'test', 'corpus', 'pickle-peft-regression-lora_conv2d');
// Written on every run, so kept out of git (the README's copies live in media/screenshots/).
const SCREENSHOTS = join(ROOT, 'test', 'integration', 'screenshots');
const PORT = 8000 + Math.floor(Math.random() * 900);

let temp = '';
let workspace = '';
let bench: Workbench | undefined;
let server: CodeServer | undefined;
let context: BrowserContext | undefined;
let page: Page;

before(async () => {
  assert.ok(existsSync(VSIX), `${VSIX} is missing: run npm run package`);
  temp = await mkdtemp(join(tmpdir(), 'lora-lens-e2e-'));
  workspace = join(temp, 'workspace');
  await mkdir(join(workspace, 'adapter'), { recursive: true });
  // A copy: the corpus is read-only.
  for (const name of ['adapter_model.safetensors', 'adapter_config.json']) await copyFile(join(CORPUS, name), join(workspace, 'adapter', name));
  await writeFile(
    join(workspace, 'train.py'),
    ['from peft import LoraConfig', '', 'TARGET = "base_model.model.model.layers.3.self_attn.q_proj"', 'config = LoraConfig(r=8, target_modules=["q_proj", "v_proj"])', ''].join(
      '\n',
    ),
  );
  await mkdir(SCREENSHOTS, { recursive: true });
  bench = await openWorkbench(temp, VSIX, workspace, PORT, 'LoRA Lens: Show Compute Info');
  ({ server, context, page } = bench);
});

after(async () => {
  await bench?.close();
  if (temp) await rm(temp, { recursive: true, force: true });
});

test('hovering a module name in a Python file shows the numbers of the adapter found in the workspace', { timeout: 60_000 }, async () => {
  await quickOpen(page, 'train.py');
  // The string's own token (Monaco's innermost span), not the whole line.
  const token = page.locator('.view-line span[class^="mtk"]', { hasText: 'self_attn.q_proj' }).first();
  await token.waitFor({ state: 'visible', timeout: 15_000 });
  const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: 'LoRA Lens' });
  await assertEventually(
    page,
    async () => {
      await token.hover();
      return hover
        .first()
        .isVisible({ timeout: 2500 })
        .catch(() => false);
    },
    'no LoRA Lens hover appeared',
  );
  const text = await hover.first().innerText();
  assert.match(text, /model\.layers\.3\.self_attn\.q_proj/);
  assert.match(text, /effective rank/);
  assert.match(text, /Open in LoRA Lens/);
  await settled(page);
  await page.screenshot({ path: join(SCREENSHOTS, 'hover.png') });

  // A short name summarizes the module type over every layer.
  await page.mouse.move(5, 5);
  await page.keyboard.press('Escape');
  const short = page.locator('.view-line span[class^="mtk"]', { hasText: /^"q_proj"$/ }).first();
  const summary = page.locator('.monaco-hover:not(.hidden)', { hasText: '24 modules' });
  await assertEventually(
    page,
    async () => {
      await short.hover();
      return summary
        .first()
        .isVisible({ timeout: 2500 })
        .catch(() => false);
    },
    'no summary hover for q_proj',
  );
  assert.match(await summary.first().innerText(), /min\s+median\s+max/);
  await settled(page);
  await page.screenshot({ path: join(SCREENSHOTS, 'hover-summary.png') });
});

test('Clear Analysis Cache forgets the analysis the hover made', { timeout: 30_000 }, async () => {
  await page.mouse.move(5, 5);
  await page.keyboard.press('Escape');
  await runCommand(page, 'LoRA Lens: Clear Analysis Cache');
  await assertEventually(page, async () => /cleared 1 cached analysis/.test(await toastText(page)), 'no cache notification');
});

test('the adapter opens in LoRA Lens with its layer table, then the analysis streams in', { timeout: 120_000 }, async () => {
  await quickOpen(page, 'adapter_model.safetensors');
  const view = webview(page);
  const firstRow = view.locator('table.layers tbody tr').first();
  await firstRow.waitFor({ state: 'visible', timeout: 30_000 });
  const names = await view.locator('table.layers tbody tr td[data-key="module"]').allInnerTexts();
  assert.equal(names.length, 48);
  assert.equal(names[0], 'model.layers.0.self_attn.q_proj');
  assert.equal(names[1], 'model.layers.0.self_attn.v_proj');
  // The analysis streams in: the norm cell fills with a number.
  const norm = firstRow.locator('td[data-key="frobenius"]');
  await assertEventually(page, async () => Number.isFinite(Number.parseFloat(await norm.innerText())), 'the first row never got its ‖ΔW‖F');
  // The header and table come from a header-only read, logged with its time by the extension.
  // The host logs how long the overview took; how fast that is belongs to the benchmarks, not to a
  // test that runs on a busy machine.
  const opened = await assertLogged(/opened .*adapter_model\.safetensors: 48 modules, .*\((\d+) ms\)/);
  assert.ok(Number.isFinite(Number(opened[1])), `the overview's time is logged: ${opened[0]}`);
  await settled(page);
  await page.screenshot({ path: join(SCREENSHOTS, 'editor.png') });
});

test('Export Report writes the JSON report of the open adapter', { timeout: 60_000 }, async () => {
  const target = join(workspace, 'adapter', 'adapter_model-report.json');
  await answerStep(page, 'Export Report', 'JSON', { pick: true, command: 'LoRA Lens: Export Report…' });
  // The save dialog is the workbench's own (a quick input) in code-server; its proposal is taken.
  await acceptStep(page, 'Export LoRA Lens Report', (s) => s.value.endsWith('adapter_model-report.json') && s.rows.length > 0, 'the save dialog did not propose the report name');
  await assertEventually(page, async () => existsSync(target), 'the report was not written');
  const report = JSON.parse(await readFile(target, 'utf8')) as { format: string; modules: { name: string; status: string; frobenius: number | null }[] };
  assert.equal(report.format, 'peft');
  assert.equal(report.modules.length, 48);
  assert.ok(report.modules.every((m) => m.status === 'ok' && (m.frobenius ?? 0) > 0));
});

test('Reveal Layer selects the picked layer, and Copy Layer Stats copies its row', { timeout: 60_000 }, async () => {
  await answerStep(page, 'Reveal Layer', 'model.layers.5.self_attn.v_proj', { pick: true, command: 'LoRA Lens: Reveal Layer…' });
  const selected = webview(page).locator('table.layers tbody tr.selected');
  await assertEventually(
    page,
    async () => (await selected.count()) === 1 && (await selected.innerText()).startsWith('model.layers.5.self_attn.v_proj'),
    'the revealed layer was not selected',
  );
  await context?.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server?.url });
  await runCommand(page, 'LoRA Lens: Copy Layer Stats');
  let lines: string[] = [];
  await assertEventually(
    page,
    async () => {
      lines = (await page.evaluate(() => navigator.clipboard.readText())).trim().split('\n');
      return lines.length === 2;
    },
    'the clipboard did not get one layer',
  );
  assert.match(lines[0], /^module\tshape\trank/);
  assert.match(lines[1], /^model\.layers\.5\.self_attn\.v_proj\t128×896\t8\t16\t2\t0\.0245\t/);
});

test('Show Compute Info names the provider that runs (the CPU here)', { timeout: 60_000 }, async () => {
  await page.keyboard.press('Escape');
  await runCommand(page, 'LoRA Lens: Show Compute Info');
  await assertEventually(page, async () => /LoRA Lens compute: provider cpu/.test(await toastText(page)), 'no compute info notification');
  assert.match(await toastText(page), /onnxruntime \d+\.\d+/);
  await settled(page);
  await page.screenshot({ path: join(SCREENSHOTS, 'compute-info.png') });
});

test("a file above maxAutoBytes shows its table and waits until the view's Analyze button starts it", { timeout: 90_000 }, async () => {
  // Named like a kohya file: `*lora*.safetensors` opens in LoRA Lens by default too.
  await mkdir(join(workspace, 'big'));
  await copyFile(join(CORPUS_BIG, 'adapter_model.safetensors'), join(workspace, 'big', 'roberta_lora.safetensors'));
  await copyFile(join(CORPUS_BIG, 'adapter_config.json'), join(workspace, 'big', 'adapter_config.json'));
  await quickOpen(page, 'roberta_lora.safetensors');
  const view = webview(page);
  const first = view.locator('table.layers tbody tr', { hasText: 'roberta.encoder.layer.0.attention.self.query' }).first();
  await assertEventually(page, () => first.isVisible(), "the large file's table did not show");
  await assertEventually(page, async () => /larger than the setting loraLens\.analysis\.maxAutoBytes/.test(await toastText(page)), 'no note that the file waits');
  assert.match(await view.locator('.status').first().innerText(), /Not analysed yet: .*larger than the setting loraLens\.analysis\.maxAutoBytes/);
  const norm = first.locator('td[data-key="frobenius"]');
  assert.ok(!Number.isFinite(Number.parseFloat(await norm.innerText())), 'the large file was analysed without being asked');
  await settled(page);
  await page.screenshot({ path: join(SCREENSHOTS, 'large-file-waiting.png') });
  // The webview asks the host (startAnalysis); the palette's Analyze Adapter runs the same code.
  await view.locator('vscode-button.start').click();
  await assertEventually(page, async () => Number.isFinite(Number.parseFloat(await norm.innerText())), 'Analyze did not analyse the file');
});

test('Compare with… on the open checkpoint compares it with another in a panel whose map shows the CLI’s cosine', { timeout: 120_000 }, async () => {
  // The large file of the test above is checkpoint-230; its run's checkpoint-460 goes beside it.
  const final = resolve(CORPUS_BIG, '..', 'checkpoint-460');
  await mkdir(join(workspace, 'ckpt460'));
  for (const name of ['adapter_model.safetensors', 'adapter_config.json']) await copyFile(join(final, name), join(workspace, 'ckpt460', name));
  const cli = JSON.parse(
    execFileSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'compare', join(CORPUS_BIG, 'adapter_model.safetensors'), join(final, 'adapter_model.safetensors'), '--json'], {
      encoding: 'utf8',
    }),
  ) as {
    comparisons: { modules: { name: string; cosine: number }[] }[];
  };
  const want = cli.comparisons[0].modules[0];
  await quickOpen(page, 'roberta_lora.safetensors');
  // The editor's webview takes focus when it has loaded; a dialog opened before then would close.
  await webview(page).locator('table.layers tbody tr').first().waitFor({ state: 'visible', timeout: 30_000 });
  // The picker lists the workspace's adapters; a typed absolute path is taken too.
  await answerStep(page, /^Compare .*with…/u, join(workspace, 'ckpt460', 'adapter_model.safetensors'), { command: 'LoRA Lens: Compare with…' });
  const map = webview(page).locator('.labelled-map canvas');
  await waitOrExplain(page, map, 60_000, 'compare-failed.png');
  assert.equal(await webview(page).locator('.map-row').first().innerText(), want.name);
  const box = await map.boundingBox();
  assert.ok(box, 'the map has a canvas');
  // The cell is painted in the theme's colour for a positive cosine, not left black or blank.
  // The canvas repaints when the theme's variables arrive (a busy host may paint once before).
  const cellPixel = () => map.evaluate((canvas) => [...((canvas as HTMLCanvasElement).getContext('2d')?.getImageData(5, 5, 1, 1).data ?? [])]);
  await assertEventually(
    page,
    async () => {
      const pixel = await cellPixel();
      return pixel[0] > pixel[2] + 40;
    },
    'the cell is not painted red (the screenshot shows what it was)',
  );
  await page.mouse.move(box.x + 20, box.y + 7);
  const tooltip = webview(page).locator('.labelled-map .tooltip');
  await tooltip.waitFor({ state: 'visible' });
  const text = await tooltip.innerText();
  assert.ok(text.startsWith(`${want.name} · ckpt460`), text);
  const shown = Number(text.slice(text.lastIndexOf(' ') + 1));
  assert.ok(Math.abs(shown - want.cosine) <= 5e-4 * Math.abs(want.cosine), `${text} vs ${want.cosine}`);
  await settled(page);
  await page.screenshot({ path: join(SCREENSHOTS, 'compare.png') });
});

test('Compare Adapters… from the palette takes two adapters checked in the picker, in the order checked', { timeout: 120_000 }, async () => {
  // Both adapters exist from the tests above: big/roberta_lora.safetensors and ckpt460/adapter_model.safetensors.
  await runCommand(page, 'LoRA Lens: Compare Adapters…');
  const first = 'ckpt460/adapter_model.safetensors';
  const second = 'big/roberta_lora.safetensors';
  await untilQuickInput(
    page,
    (s) => s.title.startsWith('Compare Adapters') && s.rows.some((r) => r.includes(first)) && s.rows.some((r) => r.includes(second)),
    'the picker did not list the workspace adapters',
  );
  // Checked against the list's order (big/ is listed before ckpt460/): the picking order must win.
  const row = (text: string) => page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: text }).first();
  await row(first).click();
  await untilQuickInput(page, (s) => s.placeholder.startsWith(`A: ${first}`), 'checking the first adapter did not make it A');
  await row(second).click();
  await untilQuickInput(page, (s) => s.placeholder === `A: ${first} · B: ${second}`, 'checking the second adapter did not make it B');
  await page.locator(QUICK_INPUT_BOX).press('Enter');
  await page.locator('.tabs-container .tab', { hasText: 'Compare ckpt460 with roberta_lora.safetensors' }).first().waitFor({ timeout: 30_000 });
  await waitOrExplain(page, webview(page).locator('.labelled-map canvas'), 60_000, 'compare-palette-failed.png');
  await settled(page);
  await page.screenshot({ path: join(SCREENSHOTS, 'compare-palette.png') });
});

test('Attach Base Model… on the open adapter analyses it against a generated base in a panel whose table shows the core’s alignment', { timeout: 180_000 }, async () => {
  const rng = Rng.fresh();
  const fixture = await writeBaseFixture(await mkdtemp(join(workspace, 'attach-')), rng, 'tiny_lora.safetensors');
  const base = await BaseModel.open(fixture.base);
  const opened = await openAdapter(fixture.adapter);
  const want = await analyzeAgainstBase(opened, base, new JsDenseEngine()).finally(async () => {
    await opened.file.close();
    await base.close();
  });
  const first = want.modules.find((m) => m.status === 'ok' && m.name === 'model.layers.0.self_attn.q_proj');
  assert.ok(first && first.status === 'ok');
  await quickOpen(page, 'tiny_lora.safetensors');
  await webview(page).locator('table.layers tbody tr').first().waitFor({ state: 'visible', timeout: 30_000 });
  // The workbench's own dialog takes a typed path; the sharded base is picked by its index.
  await answerStep(page, 'Base model for', join(fixture.base, 'model.safetensors.index.json'), { row: 'model.safetensors.index.json', command: 'LoRA Lens: Attach Base Model…' });
  const rows = webview(page).locator('table.base-modules tbody tr');
  await waitOrExplain(page, rows.first(), 90_000, 'attach-base-failed.png');
  assert.equal(await rows.count(), want.modules.filter((m) => m.status === 'ok').length);
  const cells = await webview(page).locator('table.base-modules tbody tr[data-module="model.layers.0.self_attn.q_proj"] td').allInnerTexts();
  assert.equal(cells[1], first.weight);
  const column = first.alignment.columnCosines.reduce((s, c) => s + c, 0) / first.alignment.columnCosines.length;
  // Another run of the randomized SVD (and maybe another engine): equal to well within the shown digits' tolerance here.
  assert.ok(Math.abs(Number(cells[3]) - column) < 5e-3, `${cells[3]} vs ${column}`);
  await webview(page).locator('vscode-tab-header', { hasText: 'Not analysed (2)' }).click();
  await webview(page).locator('table.unmatched tbody tr').nth(1).waitFor({ state: 'visible', timeout: 15_000 });
  assert.equal(await webview(page).locator('table.unmatched tbody tr').count(), 2);
  await settled(page);
  await page.screenshot({ path: join(SCREENSHOTS, 'attach-base.png') });
});

test('a PyTorch pickle adapter opens in LoRA Lens by default, with its layer table and its container in the Overview', { timeout: 120_000 }, async () => {
  // Written here, not before the hover test, so that the hover's adapter search sees only the first adapter.
  await mkdir(join(workspace, 'pickle'));
  for (const name of ['adapter_model.bin', 'adapter_config.json']) await copyFile(join(CORPUS_PICKLE, name), join(workspace, 'pickle', name));
  await quickOpen(page, 'adapter_model.bin');
  const view = webview(page);
  const row = view.locator('table.layers tbody tr', { hasText: 'conv2d' }).first();
  await waitOrExplain(page, row, 30_000, 'pickle-failed.png');
  assert.equal(await view.locator('table.layers tbody tr').count(), 1);
  const norm = row.locator('td[data-key="frobenius"]');
  await assertEventually(page, async () => Number.isFinite(Number.parseFloat(await norm.innerText())), 'the pickle was not analysed');
  await view.locator('vscode-tab-header', { hasText: 'Overview' }).first().click();
  const facts = view.locator('.overview dl.facts');
  await facts.waitFor({ state: 'visible', timeout: 15_000 });
  const text = await facts.innerText();
  assert.match(text, /Container\s+PyTorch checkpoint \(zip, torch\.save since 1\.6\)/);
  assert.match(text, /Read as\s+peft — PEFT LoRA/);
  await settled(page);
  await page.screenshot({ path: join(SCREENSHOTS, 'pickle-overview.png') });
});

test('Open in LoRA Lens opens a GGUF adapter with the editor for any safetensors or GGUF file', { timeout: 120_000 }, async () => {
  // convert_lora_to_gguf.py's tensors (`blk.N.<name>.weight.lora_a` [r, in], `.lora_b` [out, r]) and KV pairs.
  const rng = Rng.fresh();
  const values = (n: number) => Array.from({ length: n }, () => rng.normal());
  await mkdir(join(workspace, 'gguf'));
  const file = join(workspace, 'gguf', 'tiny-adapter.gguf');
  await writeFile(
    file,
    ggufBytes({
      kv: loraKv('llama', 4),
      tensors: [
        { name: 'blk.0.attn_q.weight.lora_a', shape: [2, 8], type: 'F32', values: values(16) },
        { name: 'blk.0.attn_q.weight.lora_b', shape: [8, 2], type: 'F32', values: values(16) },
        { name: 'blk.1.attn_v.weight.lora_a', shape: [2, 8], type: 'F32', values: values(16) },
        { name: 'blk.1.attn_v.weight.lora_b', shape: [8, 2], type: 'F32', values: values(16) },
      ],
    }),
  );
  // Not an adapter's name, so the text editor opens it; Open in LoRA Lens (offered on .gguf) reopens it.
  await quickOpen(page, 'tiny-adapter.gguf');
  await runCommand(page, 'LoRA Lens: Open in LoRA Lens');
  const view = webview(page);
  const rows = view.locator('table.layers tbody tr');
  await waitOrExplain(page, rows.first(), 30_000, 'gguf-failed.png');
  assert.deepEqual(await view.locator('table.layers tbody tr td[data-key="module"]').allInnerTexts(), ['model.layers.0.self_attn.q_proj', 'model.layers.1.self_attn.v_proj']);
  await view.locator('vscode-tab-header', { hasText: 'Overview' }).first().click();
  const facts = view.locator('.overview dl.facts');
  await facts.waitFor({ state: 'visible', timeout: 15_000 });
  const text = await facts.innerText();
  assert.match(text, /Container\s+GGUF \(llama\.cpp\)/);
  assert.match(text, /Read as\s+gguf — llama\.cpp GGUF LoRA \(llama\)/);
});

/** Waits for a line of the extension's "LoRA Lens" log (written under code-server's user-data logs). */
async function assertLogged(pattern: RegExp): Promise<RegExpMatchArray> {
  let found: RegExpMatchArray | null = null;
  await assertEventually(
    page,
    async () => {
      for (const file of await logFiles(join(temp, 'user-data', 'logs'))) {
        found = (await readFile(file, 'utf8')).match(pattern);
        if (found) return true;
      }
      return false;
    },
    `the log never said ${String(pattern)}`,
  );
  return found ?? assert.fail('unreachable');
}

async function logFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && e.name === 'LoRA Lens.log').map((e) => join(e.parentPath, e.name));
}

/** Waits for `target` in a panel; on a timeout, says what the window and the visible webview showed instead. */
async function waitOrExplain(page: Page, target: Locator, timeoutMs: number, screenshot: string): Promise<void> {
  try {
    await target.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch (error) {
    await page.screenshot({ path: join(SCREENSHOTS, screenshot) });
    const frames = await page.locator('iframe.webview').count();
    const text = await webview(page)
      .locator('body')
      .innerText({ timeout: 2000 })
      .catch((e: unknown) => `(no webview text: ${String(e)})`);
    const toasts = await toastText(page).catch(() => '');
    throw new Error(`nothing after ${timeoutMs / 1000} s; ${frames} webview iframe(s); the visible one shows: ${text.slice(0, 500)}; notifications: ${toasts.slice(0, 300)}`, {
      cause: error,
    });
  }
}

test('with two adapters that have q_proj, the hover shows the one the file names and links the other', { timeout: 120_000 }, async () => {
  // The same Qwen adapter again under another name: both have q_proj in every layer.
  await mkdir(join(workspace, 'second'));
  await copyFile(join(CORPUS, 'adapter_model.safetensors'), join(workspace, 'second', 'qwen_lora.safetensors'));
  await copyFile(join(CORPUS, 'adapter_config.json'), join(workspace, 'second', 'adapter_config.json'));
  await quickOpen(page, 'qwen_lora.safetensors');
  await waitOrExplain(page, webview(page).locator('table.layers tbody tr').first(), 30_000, 'second-failed.png');
  // The file names the first adapter, the one opened longer ago.
  await writeFile(
    join(workspace, 'load.py'),
    ['from peft import PeftModel', '', 'model = PeftModel.from_pretrained(base, "adapter/adapter_model.safetensors")', 'TARGETS = ["q_proj"]', ''].join('\n'),
  );
  await quickOpen(page, 'load.py');
  const token = page.locator('.view-line span[class^="mtk"]', { hasText: /^"q_proj"$/ }).first();
  await token.waitFor({ state: 'visible', timeout: 15_000 });
  const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: 'Also in' });
  await assertEventually(
    page,
    async () => {
      await token.hover();
      return hover
        .first()
        .isVisible({ timeout: 2500 })
        .catch(() => false);
    },
    'no hover listing a second adapter',
  );
  const text = await hover.first().innerText();
  assert.equal(text.match(/LoRA Lens ·/g)?.length, 1, text);
  assert.match(text, /LoRA Lens · adapter\/adapter_model\.safetensors/);
  assert.match(text, /Shown: adapter\/adapter_model\.safetensors, its path is named in this file/);
  assert.match(text, /Also in: .*second\/qwen_lora\.safetensors/s);
  await settled(page);
  await page.screenshot({ path: join(SCREENSHOTS, 'hover-preferred.png') });
});
