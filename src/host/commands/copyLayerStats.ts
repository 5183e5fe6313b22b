import * as vscode from 'vscode';
import type { AdapterDocument } from '../editor/adapterDocument';
import type { HostContext } from '../hostContext';
import { layerStatsText } from '../report/layerStatsText';
import { reportOf } from '../report/reportFile';

/** Copy Layer Stats: the selected layer of the active editor (every layer when none is selected). */
export function registerCopyLayerStats(ctx: HostContext): vscode.Disposable {
  return vscode.commands.registerCommand('loraLens.copyLayerStats', async () => {
    const session = ctx.registry.active();
    if (!session) return void vscode.window.showInformationMessage('LoRA Lens: open an adapter first.');
    const indices = session.selected === null ? [] : [session.selected];
    const copied = await copyLayerStats(session.document, indices);
    void vscode.window.setStatusBarMessage(`LoRA Lens: copied the stats of ${copied} layer${copied === 1 ? '' : 's'}`, 3000);
  });
}

/** Copies the stats of the layers at `indices` (all layers when empty); returns how many. */
export async function copyLayerStats(document: AdapterDocument, indices: readonly number[]): Promise<number> {
  const report = reportOf(document.adapter, document.analysis, document.moduleResults);
  const valid = indices.filter((i) => Number.isInteger(i) && i >= 0 && i < report.modules.length);
  const modules = valid.length > 0 ? valid.map((i) => report.modules[i]) : report.modules;
  await vscode.env.clipboard.writeText(layerStatsText(modules));
  return modules.length;
}
