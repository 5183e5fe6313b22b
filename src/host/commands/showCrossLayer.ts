import * as vscode from 'vscode';
import { adapterTitle } from '../adapterTitle';
import type { HostContext } from '../hostContext';
import { showError } from '../log';
import { crossLayerPayload } from '../subspacePayloads';
import { crossLayerChunks } from '../subspace/crossLayerChunks';
import { adapterArgs, weightsOf } from '../subspace/pickAdapters';
import { runInPanel } from '../subspace/runInPanel';

/**
 * Show Cross-Layer Maps: how alike the layers of one adapter are (φ of column and row spaces,
 * ΔW cosine, per module type), for the open LoRA Lens editor or a file passed as argument
 * (explorer, code). Computed on demand in the worker: it reads every module's factors.
 */
export function registerShowCrossLayer(ctx: HostContext): vscode.Disposable {
  return vscode.commands.registerCommand('loraLens.showCrossLayer', async (target?: unknown) => {
    try {
      const given = adapterArgs(target);
      const file = given.length > 0 ? (await weightsOf(given))[0] : ctx.registry.active()?.document.adapter.file;
      if (!file) return void vscode.window.showInformationMessage('LoRA Lens: open an adapter first.');
      await runInPanel(ctx.extensionUri, {
        title: `Cross-layer maps of ${adapterTitle(file)}`,
        kind: 'crossLayer',
        run: async (panel, token) => {
          const { output, seconds } = await ctx.service.jobs.run('crossLayer', { path: file }, { token });
          const { first, rest } = crossLayerChunks(crossLayerPayload(file, output, seconds));
          panel.notify('crossLayer', first);
          for (const groups of rest) panel.notify('crossLayerGroups', { groups });
        },
      });
    } catch (error) {
      showError('Show Cross-Layer Maps', error);
    }
  });
}
