import * as vscode from 'vscode';
import { ADAPTER_DIALOG_FILTERS } from '../../core/container/extensions';
import type { HostContext } from '../hostContext';
import { showError } from '../log';
import { openInLens } from './openInLens';

/** Open Adapter…: a file picker for weights files, opened in LoRA Lens. */
export function registerOpenAdapter(ctx: HostContext): vscode.Disposable {
  return vscode.commands.registerCommand('loraLens.openAdapter', async () => {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      openLabel: 'Open in LoRA Lens',
      filters: ADAPTER_DIALOG_FILTERS,
    });
    if (!picked?.[0]) return;
    try {
      await openInLens(ctx, picked[0]);
    } catch (error) {
      showError('Open Adapter', error);
    }
  });
}
