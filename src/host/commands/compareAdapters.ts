import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { weightFileStem } from '../../core/container/extensions';
import type { HostContext } from '../hostContext';
import { showError } from '../log';
import { comparisonJob } from '../subspace/comparisonJob';
import { adapterArgs, pickAdapters, weightsOf } from '../subspace/pickAdapters';
import { runInPanel } from '../subspace/runInPanel';

const COMPARE_ADAPTERS = 'loraLens.compareAdapters';

/**
 * Compare Adapters…: two or more adapters, the first the reference A. From the explorer
 * (clicked item, then the selection), from code (`executeCommand(id, a, [b, c])`), or picked in
 * a dialog (with three or more, a quick pick asks which is A).
 */
export function registerCompareAdapters(ctx: HostContext): vscode.Disposable {
  return vscode.commands.registerCommand(COMPARE_ADAPTERS, async (first?: unknown, selection?: unknown) => {
    try {
      let files = await weightsOf(adapterArgs(first, selection));
      if (files.length < 2) files = await weightsOf([...files, ...(await pickAdapters('Compare Adapters: pick two or more adapters', 'Compare'))]);
      if (files.length < 2) {
        if (files.length === 1) void vscode.window.showInformationMessage('LoRA Lens: pick at least two adapters to compare.');
        return;
      }
      const reference = files.length === 2 || adapterArgs(first).length > 0 ? files[0] : await pickReference(files);
      if (!reference) return;
      await compareAdapters(
        ctx,
        reference,
        files.filter((f) => f !== reference),
      );
    } catch (error) {
      showError('Compare Adapters', error);
    }
  });
}

/** Runs the comparison of `reference` with `others` in a new panel. */
export async function compareAdapters(ctx: HostContext, reference: string, others: readonly string[]): Promise<void> {
  const title = `Compare ${shortName(reference)} with ${others.map(shortName).join(', ')}`;
  await runInPanel(ctx.extensionUri, comparisonJob(ctx.service, reference, others, title));
}

async function pickReference(files: readonly string[]): Promise<string | undefined> {
  const items = files.map((file) => ({ label: shortName(file), description: file, file }));
  return (await vscode.window.showQuickPick(items, { title: 'Compare Adapters', placeHolder: 'Which adapter is the reference (A)?' }))?.file;
}

function shortName(file: string): string {
  return /^(adapter_model|adapters|pytorch_lora_weights)$/i.test(weightFileStem(basename(file))) ? basename(dirname(file)) : basename(file);
}
