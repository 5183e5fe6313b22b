import * as vscode from 'vscode';
import type { HostContext } from '../hostContext';

/** Reveal Layer…: a quick pick over the active adapter's layers; the pick is selected in the view. */
export function registerRevealLayer(ctx: HostContext): vscode.Disposable {
  return vscode.commands.registerCommand('loraLens.revealLayer', async () => {
    const session = ctx.registry.active();
    if (!session) return void vscode.window.showInformationMessage('LoRA Lens: open an adapter first.');
    const results = session.document.moduleResults;
    const items = session.document.overview.layers.map((layer) => {
      const r = results[layer.index];
      const detail = r?.status === 'ok' ? `‖ΔW‖_F ${r.metrics.frobenius.toPrecision(4)} · effective rank ${r.metrics.effectiveRank.toFixed(2)}` : undefined;
      return { label: layer.name, description: `${layer.rows}×${layer.cols} · r ${layer.rank}`, detail, index: layer.index };
    });
    const picked = await vscode.window.showQuickPick(items, { title: 'Reveal Layer', placeHolder: 'Layer name', matchOnDescription: true });
    if (picked) session.reveal(picked.index);
  });
}
