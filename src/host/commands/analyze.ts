import * as vscode from 'vscode';
import { startAnalysis } from '../editor/adapterEditorProvider';
import type { HostContext } from '../hostContext';

/** Analyze Adapter: starts the analysis of the active editor's file, for files above `maxAutoBytes`. */
export function registerAnalyze(ctx: HostContext): vscode.Disposable {
  return vscode.commands.registerCommand('loraLens.analyze', async () => {
    const session = ctx.registry.active();
    if (!session) return void vscode.window.showInformationMessage('LoRA Lens: open an adapter first.');
    if (session.document.running) return;
    await startAnalysis(session.document);
  });
}
