import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { weightFileStem } from '../../core/container/extensions';
import type { HostContext } from '../hostContext';
import { showError } from '../log';
import { comparisonJob } from '../subspace/comparisonJob';
import { pickAdaptersInOrder } from '../subspace/adapterQuickPick';
import { orderedAdapterArgs, weightsOf } from '../subspace/pickAdapters';
import { runInPanel } from '../subspace/runInPanel';

const COMPARE_ADAPTERS = 'loraLens.compareAdapters';

/**
 * Compare Adapters…: two or more adapters, the first the reference A. From the explorer (the
 * selection in the order it was made), from code (`executeCommand(id, a, [b, c])` or
 * `executeCommand(id, [a, b, c])`), or picked in a list of the workspace's adapters plus
 * Browse… (pickAdaptersInOrder: works where the open dialog takes one path), in the order picked.
 */
export function registerCompareAdapters(ctx: HostContext): vscode.Disposable {
  return vscode.commands.registerCommand(COMPARE_ADAPTERS, async (first?: unknown, selection?: unknown) => {
    try {
      let files = await weightsOf(orderedAdapterArgs(first, selection));
      // Too few given: the picker starts from them (one right-clicked file is A) and keeps the picking order.
      if (files.length < 2) {
        const title = files.length === 0 ? 'Compare Adapters: pick two or more, the reference (A) first' : `Compare ${shortName(files[0])} with…`;
        const picked = await pickAdaptersInOrder(title, { given: files.map(shortName), need: 2 - files.length });
        files = await weightsOf([...files, ...picked]);
      }
      if (files.length < 2) {
        if (files.length === 1) void vscode.window.showInformationMessage('LoRA Lens: pick at least two adapters to compare.');
        return;
      }
      const reference = files[0];
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

function shortName(file: string): string {
  return /^(adapter_model|adapters|pytorch_lora_weights)$/i.test(weightFileStem(basename(file))) ? basename(dirname(file)) : basename(file);
}
