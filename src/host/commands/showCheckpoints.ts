import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { adapterTitle } from '../adapterTitle';
import { isCancellation, showError } from '../log';
import type { HostContext } from '../hostContext';
import { readSettings } from '../settings';
import type { ConvergencePayload } from '../../protocol/subspacePayloads';
import { convergencePayload } from '../subspacePayloads';
import { adapterArgs, pickAdapters, type AdapterArg } from '../subspace/pickAdapters';
import { runInPanel, runJobIn, type PanelJob } from '../subspace/runInPanel';
import type { SubspacePanel } from '../subspace/subspacePanel';

/**
 * Show Checkpoint Convergence…: a run's folder (its `checkpoint-N` folders are found by the
 * core) or several checkpoints, picked or passed like Compare Adapters. Each checkpoint's ΔW is
 * compared with the final one's, per module, in the worker.
 */
export function registerShowCheckpoints(ctx: HostContext): vscode.Disposable {
  return vscode.commands.registerCommand('loraLens.showCheckpoints', async (first?: unknown, selection?: unknown) => {
    try {
      let args: AdapterArg[] = adapterArgs(first, selection);
      if (args.length === 0) args = await pickAdapters('Show Checkpoint Convergence: pick a run folder or several checkpoints', 'Show Convergence');
      if (args.length === 0) return;
      const paths = [...new Set(args.map((a) => (typeof a === 'string' ? a : a.fsPath)))];
      await showCheckpoints(ctx, paths);
    } catch (error) {
      showError('Show Checkpoint Convergence', error);
    }
  });
}

/**
 * Opens the convergence panel of `paths`. Its Choose Reference… asks for a reference file and
 * runs the series again in the same panel, measured against it; a reference that cannot be
 * used leaves the last curves in place with the reason beside the button.
 */
export async function showCheckpoints(ctx: HostContext, paths: readonly string[]): Promise<void> {
  const title = paths.length === 1 && (await stat(paths[0])).isDirectory() ? `Convergence of ${adapterTitle(paths[0])}` : `Convergence of ${paths.length} checkpoints`;
  let last: ConvergencePayload | null = null;
  const job = (reference?: string): PanelJob => ({
    title: reference === undefined ? title : `${title} against ${adapterTitle(reference)}`,
    kind: 'convergence',
    handlers: { chooseReference: (panel) => void chooseReference(panel) },
    run: async (panel, token, report) => {
      try {
        const { output, seconds } = await ctx.service.jobs.run(
          'checkpoints',
          { paths, compute: readSettings().compute, ...(reference === undefined ? {} : { reference }) },
          { token, onProgress: (p) => report(p.done, p.total, p.module) },
        );
        last = convergencePayload(output, seconds);
        panel.notify('convergence', last);
      } catch (error) {
        if (reference === undefined || last === null || isCancellation(error) || token.isCancellationRequested) throw error;
        panel.notify('convergence', { ...last, referenceError: `${basename(reference)}: ${error instanceof Error ? error.message : String(error)}` });
      }
    },
  });
  const chooseReference = async (panel: SubspacePanel): Promise<void> => {
    try {
      const picked = await vscode.window.showOpenDialog({
        title: 'Choose a reference: <module>.u/.v[/.theta] or <module>.delta_w (make-zoo writes teacher.safetensors)',
        canSelectFiles: true,
        canSelectFolders: false,
        canSelectMany: false,
        openLabel: 'Measure Against',
        filters: { 'Reference (safetensors)': ['safetensors'] },
      });
      if (picked?.[0]) await runJobIn(panel, job(picked[0].fsPath));
    } catch (error) {
      showError('Choose Reference', error);
    }
  };
  await runInPanel(ctx.extensionUri, job());
}
