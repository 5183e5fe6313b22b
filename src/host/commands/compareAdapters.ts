import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { weightFileStem } from '../../core/container/extensions';
import type { HostContext } from '../hostContext';
import { showError } from '../log';
import { comparisonJob } from '../subspace/comparisonJob';
import { explorerOrder } from '../subspace/adapterCandidates';
import { pickAdaptersInOrder } from '../subspace/adapterQuickPick';
import { adapterArgs, weightsOf, type AdapterArg } from '../subspace/pickAdapters';
import { runInPanel } from '../subspace/runInPanel';

const COMPARE_ADAPTERS = 'loraLens.compareAdapters';

/**
 * Compare Adapters…: two or more adapters, the first the reference A. From the explorer (the
 * selection in the order it was made), from code (`executeCommand(id, a, [b, c])`), or picked
 * in a list of the workspace's adapters plus Browse… (pickAdaptersInOrder: works where the open
 * dialog takes one path), in the order picked.
 */
export function registerCompareAdapters(ctx: HostContext): vscode.Disposable {
  return vscode.commands.registerCommand(COMPARE_ADAPTERS, async (first?: unknown, selection?: unknown) => {
    try {
      const given = explorerOrder(adapterArgs(first)[0], adapterArgs(selection), sameArg);
      let files = await weightsOf(given);
      // Too few given: the picker starts from them (one right-clicked file is A) and keeps the picking order.
      if (files.length < 2) files = await weightsOf([...files, ...(await pickAdaptersInOrder('Compare Adapters: pick two or more, the reference (A) first'))]);
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

function sameArg(a: AdapterArg, b: AdapterArg): boolean {
  return (typeof a === 'string' ? a : a.toString()) === (typeof b === 'string' ? b : b.toString());
}

function shortName(file: string): string {
  return /^(adapter_model|adapters|pytorch_lora_weights)$/i.test(weightFileStem(basename(file))) ? basename(dirname(file)) : basename(file);
}
