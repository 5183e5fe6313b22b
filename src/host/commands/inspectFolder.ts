import * as vscode from 'vscode';
import type { HostContext } from '../hostContext';
import { showError } from '../log';
import { openInLens } from './openInLens';

/** Inspect Adapter Folder…: a folder (explorer context menu, or picked) opened by its adapter weights. */
export function registerInspectFolder(ctx: HostContext): vscode.Disposable {
  return vscode.commands.registerCommand('loraLens.inspectFolder', async (folder?: vscode.Uri) => {
    const target = folder ?? (await vscode.window.showOpenDialog({ canSelectFiles: false, canSelectFolders: true, openLabel: 'Inspect Adapter Folder' }))?.[0];
    if (!target) return;
    try {
      await openInLens(ctx, target);
    } catch (error) {
      showError('Inspect Adapter Folder', error);
    }
  });
}
