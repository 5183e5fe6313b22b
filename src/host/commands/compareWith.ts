import * as vscode from 'vscode';
import type { HostContext } from '../hostContext';
import { showError } from '../log';
import { pickAdaptersInOrder } from '../subspace/adapterQuickPick';
import { adapterArgs, weightsOf } from '../subspace/pickAdapters';
import { compareAdapters } from './compareAdapters';

/**
 * Compare with… (the LoRA Lens editor's title bar): the open adapter is A, the others are
 * picked. VS Code passes the editor's resource as the first argument; a second argument (a
 * Uri, a path or a list of them) skips the picker.
 */
export function registerCompareWith(ctx: HostContext): vscode.Disposable {
  return vscode.commands.registerCommand('loraLens.compareWith', async (_resource?: unknown, others?: unknown) => {
    try {
      const session = ctx.registry.active();
      if (!session) return void vscode.window.showInformationMessage('LoRA Lens: open an adapter first.');
      const reference = session.document.adapter.file;
      const given = adapterArgs(others);
      const picked = given.length > 0 ? given : await pickAdaptersInOrder(`Compare ${session.document.overview.file} with…`, { given: [session.document.overview.file], need: 1 });
      const files = (await weightsOf(picked)).filter((f) => f !== reference);
      if (files.length === 0) return;
      await compareAdapters(ctx, reference, files);
    } catch (error) {
      showError('Compare with', error);
    }
  });
}
