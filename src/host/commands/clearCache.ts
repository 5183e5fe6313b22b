import * as vscode from 'vscode';
import type { HostContext } from '../hostContext';

/** Clear Analysis Cache: the next open of any file analyses it again. */
export function registerClearCache(ctx: HostContext): vscode.Disposable {
  return vscode.commands.registerCommand('loraLens.clearCache', () => {
    const count = ctx.service.cache.size;
    ctx.service.cache.clear();
    void vscode.window.showInformationMessage(`LoRA Lens: cleared ${count} cached analys${count === 1 ? 'is' : 'es'}.`);
  });
}
