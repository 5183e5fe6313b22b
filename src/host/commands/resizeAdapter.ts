import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { openAdapter } from '../../core/adapter/load';
import type { Adapter } from '../../core/adapter/model';
import { resolveWeightsFile } from '../../core/adapter/resolve';
import { ADAPTER_DIALOG_FILTERS } from '../../core/container/extensions';
import type { RankMethod } from '../../core/resize/recommend';
import { checkResizeKeepingPlan, resizeAdapter, type ResizeOptions, type ResizeResult } from '../../core/resize/resize';
import type { HostContext } from '../hostContext';
import { log, showError } from '../log';
import { readSettings } from '../settings';
import { pickMethod } from '../resize/pickMethod';
import { pickOutput } from '../resize/pickOutput';
import { openInLens } from './openInLens';

const RESIZE_ADAPTER = 'loraLens.resizeAdapter';

/**
 * Resize Adapter…: method, parameter, output format and path, then the core's checks (their
 * problems shown before anything is written), then the write with a cancellable progress, then
 * the saved Markdown report and an offer to open the result. Arguments: the adapter (a Uri or
 * path of a file or folder; the active editor's otherwise) and a method offered first (the
 * ranks view's). Returns the adapter file written, or null.
 */
export function registerResizeAdapter(ctx: HostContext): vscode.Disposable {
  return vscode.commands.registerCommand(RESIZE_ADAPTER, async (target?: unknown, preset?: unknown) => {
    try {
      const input = await inputOf(ctx, target);
      if (!input) return null;
      const adapter = await headerOf(input);
      const method = await pickMethod(adapter, isMethod(preset) ? preset : undefined);
      if (!method) return null;
      const out = await pickOutput(adapter);
      if (!out) return null;
      // onnxruntime (for large adapters) runs in its worker thread: the host's event loop only reads and writes.
      const ortWorker = vscode.Uri.joinPath(ctx.extensionUri, 'dist', 'ortWorker.js').fsPath;
      const options = { input, output: out.output, method, format: out.format, overwrite: out.overwrite, foldMixer: true, compute: readSettings().compute, ortWorker };
      const { problems, plan } = await withProgress(`Checking the resize of ${basename(input)}`, (token) => checkResizeKeepingPlan({ ...options, token }));
      if (problems.length > 0) {
        log().warn(`resize of ${input} refused: ${problems.join('; ')}`);
        void vscode.window.showErrorMessage(`LoRA Lens: ${basename(input)} was not resized; nothing was written.`, {
          modal: true,
          detail: problems.map((p) => `• ${p}`).join('\n'),
        });
        return null;
      }
      let result: ResizeResult;
      try {
        // The check's plan is reused (pass one is not done again) unless the input changed meanwhile.
        result = await withProgress(`Resizing ${basename(input)}`, (token, onProgress) => resizeAdapter({ ...options, token, onProgress }, plan ?? undefined));
      } finally {
        // resizeAdapter closes it; this covers a progress that never started the work (closing twice is a no-op).
        await plan?.close();
      }
      return await showResult(ctx, input, result);
    } catch (error) {
      showError('Resize Adapter', error);
      return null;
    }
  });
}

async function inputOf(ctx: HostContext, target: unknown): Promise<string | null> {
  const given = target instanceof vscode.Uri ? target.fsPath : typeof target === 'string' ? target : null;
  if (given) return (await stat(given)).isDirectory() ? resolveWeightsFile(given) : given;
  const session = ctx.registry.active();
  if (session) return session.document.uri.fsPath;
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Resize', filters: ADAPTER_DIALOG_FILTERS });
  return picked?.[0]?.fsPath ?? null;
}

/** The adapter's header-level model: the pickers' defaults and the "same as input" layout. */
async function headerOf(path: string): Promise<Adapter> {
  const opened = await openAdapter(path);
  await opened.file.close();
  if (opened.adapter.modules.length === 0) throw new Error(`${path} holds no adapter modules to resize`);
  return opened.adapter;
}

function isMethod(value: unknown): value is RankMethod {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string';
}

type Work<T> = (token: vscode.CancellationToken, onProgress: NonNullable<ResizeOptions['onProgress']>) => Promise<T>;

function withProgress<T>(title: string, work: Work<T>): Promise<T> {
  return Promise.resolve(
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `LoRA Lens: ${title}`, cancellable: true }, (progress, token) => {
      let shown = 0;
      return work(token, (done, total) => {
        const percent = total > 0 ? (100 * done) / total : 0;
        progress.report({ increment: percent - shown, message: `${done}/${total}` });
        shown = percent;
      });
    }),
  );
}

/** Opens the saved Markdown report and offers the resized adapter in LoRA Lens; returns the adapter file. */
async function showResult(ctx: HostContext, input: string, result: ResizeResult): Promise<string> {
  const [weights] = result.files;
  const { plan } = result;
  const saved = plan.paramsBefore > 0 ? 1 - plan.paramsAfter / plan.paramsBefore : 0;
  const kept = plan.layers.reduce((s, l) => s + l.kept, 0);
  const rank = plan.layers.reduce((s, l) => s + l.rank, 0);
  log().info(
    `resized ${input} to ${weights}: kept ${kept} of ${rank} ranks, ${plan.paramsBefore} → ${plan.paramsAfter} parameters, overall relative error ${plan.overallRelativeError}`,
  );
  const markdown = result.files.find((f) => f.endsWith('.md'));
  if (markdown) await vscode.window.showTextDocument(vscode.Uri.file(markdown), { preview: true, preserveFocus: false });
  const skipped = result.skipped.length > 0 ? ` ${result.skipped.length} module(s) not truncated (see the report).` : '';
  const message = `LoRA Lens: resized adapter written to ${weights}: kept ${kept} of ${rank} ranks, ${(100 * saved).toFixed(1)} % of the parameters saved, overall relative error ${(100 * plan.overallRelativeError).toPrecision(3)} %.${skipped}`;
  const open = 'Open resized adapter';
  // Not awaited: the command (and the view's request) ends when the files are written.
  void vscode.window.showInformationMessage(message, open).then(async (choice) => {
    if (choice === open) await openInLens(ctx, vscode.Uri.file(weights)).catch((error: unknown) => showError('Open resized adapter', error));
  });
  return weights;
}
