import { basename } from 'node:path';
import * as vscode from 'vscode';
import { CHECK_BASE_SEED } from '../../core/check/attachedBase';
import { baseLabel, baseModelPayload } from '../basePayload';
import type { AttachedBases } from '../check/attachedBases';
import { checkSettingsFrom } from '../check/checkSettings';
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
 * CondLoRA maps; the adapter's check then adds the base-model findings (HEALTH_BASE_*, intruder
 * dimensions) from the same analysis to the Problems panel. VS Code passes the editor's resource
 * first; a second argument (a Uri or a path) names the base and skips the dialog.
 */
export function registerAttachBase(ctx: HostContext, bases: AttachedBases): vscode.Disposable {
  // The latest attach per document: a slower earlier run that ends later must not replace it.
  const latest = new Map<string, number>();
  let runs = 0;
  return vscode.commands.registerCommand('loraLens.attachBase', async (_resource?: unknown, given?: unknown) => {
    try {
      const session = ctx.registry.active();
      if (!session) return void vscode.window.showInformationMessage('LoRA Lens: open an adapter first.');
      const { document } = session;
      const adapter = document.adapter.file;
      const base = typeof given === 'string' ? given : given instanceof vscode.Uri ? given.fsPath : await pickBase(document.overview.file);
      if (!base) return;
      // Another base replaces the one attached before: its findings are not this base's.
      const run = ++runs;
      latest.set(document.uri.fsPath, run);
      bases.delete(document.uri.fsPath);
      const compute = readSettings().compute;
      // Intruders are counted at the ε of the check settings and with the seed of `lora-lens check
      // --base`, so that the panel, the Problems panel and the command agree.
      const epsilon = checkSettingsFrom((name) => vscode.workspace.getConfiguration('loraLens').get(name)).thresholds.intruderEpsilon;
      await runInPanel(ctx.extensionUri, {
        title: `${basename(adapter)} against ${baseLabel(base)}`,
        kind: 'base',
        run: async (panel, token, report) => {
          const { output, seconds } = await ctx.service.jobs.run(
            'base',
            { adapterPath: adapter, basePath: base, options: { compute, seed: CHECK_BASE_SEED, ...(epsilon === undefined ? {} : { epsilon }) } },
            { token, onProgress: (p) => report(p.done, p.total, p.module) },
          );
          panel.notify('base', baseModelPayload(adapter, output.analysis, output.base, seconds));
          // The check of the open document adds the base-model findings from this analysis.
          if (output.check && latest.get(document.uri.fsPath) === run && ctx.registry.all().some((s) => s.document === document))
            bases.set(document.uri.fsPath, { path: output.base.path, analysis: output.analysis, ...output.check });
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
