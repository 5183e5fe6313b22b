import { basename } from 'node:path';
import * as vscode from 'vscode';
import { baseLabel, baseModelPayload } from '../basePayload';
import type { HostContext } from '../hostContext';
import { showError } from '../log';
import { readSettings } from '../settings';
import { runInPanel } from '../subspace/runInPanel';

/**
 * Attach Base Model… (the LoRA Lens editor's title bar and the palette): the open adapter
 * against a base model — one .safetensors file, a sharded `model.safetensors.index.json`, a
 * model folder, a diffusers pipeline or an HF cache snapshot, which is why the dialog takes
 * files and folders. The analysis reads one base weight at a time in the worker, on the dense
 * engine the compute settings pick; the panel shows alignment, amplification, intruders and the
 * CondLoRA maps. VS Code passes the editor's resource first; a second argument (a Uri or a path)
 * names the base and skips the dialog.
 */
export function registerAttachBase(ctx: HostContext): vscode.Disposable {
  return vscode.commands.registerCommand('loraLens.attachBase', async (_resource?: unknown, given?: unknown) => {
    try {
      const session = ctx.registry.active();
      if (!session) return void vscode.window.showInformationMessage('LoRA Lens: open an adapter first.');
      const adapter = session.document.adapter.file;
      const base = typeof given === 'string' ? given : given instanceof vscode.Uri ? given.fsPath : await pickBase(session.document.overview.file);
      if (!base) return;
      const compute = readSettings().compute;
      await runInPanel(ctx.extensionUri, {
        title: `${basename(adapter)} against ${baseLabel(base)}`,
        kind: 'base',
        run: async (panel, token, report) => {
          const { output, seconds } = await ctx.service.jobs.run(
            'base',
            { adapterPath: adapter, basePath: base, options: { compute } },
            { token, onProgress: (p) => report(p.done, p.total, p.module) },
          );
          panel.notify('base', baseModelPayload(adapter, output.analysis, output.base, seconds));
        },
      });
    } catch (error) {
      showError('Attach Base Model', error);
    }
  });
}

/**
 * Asks for the base model. Files and folders both: a single-file model is picked as its file, a
 * sharded or diffusers one as its folder (native dialogs on Windows and Linux offer one or the
 * other; VS Code's own dialog offers both).
 */
async function pickBase(adapterName: string): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title: `Base model for ${adapterName}`,
    openLabel: 'Attach',
    canSelectMany: false,
    canSelectFiles: true,
    canSelectFolders: true,
    filters: { 'Safetensors weights or index': ['safetensors', 'json'] },
  });
  return picked?.[0]?.fsPath;
}
