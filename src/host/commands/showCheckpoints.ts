import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { HostContext } from '../hostContext';
import { showError } from '../log';
import { readSettings } from '../settings';
import { convergencePayload } from '../subspacePayloads';
import { adapterArgs, pickAdapters, type AdapterArg } from '../subspace/pickAdapters';
import { runInPanel } from '../subspace/runInPanel';

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

export async function showCheckpoints(ctx: HostContext, paths: readonly string[]): Promise<void> {
  const title = paths.length === 1 && (await stat(paths[0])).isDirectory() ? `Convergence of ${basename(paths[0])}` : `Convergence of ${paths.length} checkpoints`;
  await runInPanel(ctx.extensionUri, {
    title,
    kind: 'convergence',
    run: async (panel, token, report) => {
      const { output, seconds } = await ctx.service.jobs.run(
        'checkpoints',
        { paths, compute: readSettings().compute },
        { token, onProgress: (p) => report(p.done, p.total, p.module) },
      );
      panel.notify('convergence', convergencePayload(output, seconds));
    },
  });
}
