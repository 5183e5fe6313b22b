import * as vscode from 'vscode';
import { INVARIANCE_TOLERANCE } from '../../core/predict/predictor/invariance';
import type { HostContext } from '../hostContext';
import { showError } from '../log';
import type { PredictorEntry } from '../predict/cards';
import { INVARIANCE_TRIALS, type PredictionService } from '../predict/predictionService';

/**
 * Check Predictor Invariance: random GL(r) reparametrizations (B, A) → (B·R, R⁻¹·A) of the
 * active adapter go through a predictor, and the largest relative change of its outputs is
 * reported here and on the card's badge. An invariant predictor stays within 1e-4; one on raw
 * factors moves. A second argument (the predictor's folder) skips the pick.
 */
export function registerCheckPredictorInvariance(ctx: HostContext, predictions: PredictionService): vscode.Disposable {
  return vscode.commands.registerCommand('loraLens.checkPredictorInvariance', async (_resource?: unknown, given?: unknown) => {
    const session = ctx.registry.active();
    if (!session) return void vscode.window.showInformationMessage('LoRA Lens: open an adapter first.');
    await predictions.catalog.ready();
    const entry = typeof given === 'string' ? predictions.catalog.usable.find((e) => e.dir === given) : await pickPredictor(predictions.catalog.usable);
    if (!entry) return;
    const name = entry.manifest.name;
    try {
      const report = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `LoRA Lens: checking ${name} under ${INVARIANCE_TRIALS} random reparametrizations of ${session.document.overview.file}`,
          cancellable: true,
        },
        (_progress, token) => predictions.checkInvariance(session.document, entry.dir, token),
      );
      const change = report.maxRelativeChange.toExponential(2);
      const verdict = report.invariant ? `invariant (within ${INVARIANCE_TOLERANCE})` : `NOT invariant: its outputs move by more than ${INVARIANCE_TOLERANCE}`;
      const message = `LoRA Lens: ${name} on ${session.document.overview.file}: largest relative change ${change} over ${report.trials} random GL(r) reparametrizations — ${verdict}.`;
      if (report.invariant) void vscode.window.showInformationMessage(message);
      else void vscode.window.showWarningMessage(message);
    } catch (error) {
      showError(`Check Predictor Invariance (${name})`, error);
    }
  });
}

async function pickPredictor(entries: readonly PredictorEntry[]): Promise<PredictorEntry | undefined> {
  if (entries.length === 0) {
    void vscode.window.showInformationMessage('LoRA Lens: no property predictor is available. Train one, load one, or put one in .lora-lens/predictors/ of the workspace.');
    return undefined;
  }
  if (entries.length === 1) return entries[0];
  const items = entries.map((entry) => ({
    label: entry.manifest.name,
    description: `${entry.manifest.model.kind} · ${entry.manifest.output.target} · v${entry.manifest.version}`,
    detail: entry.dir,
    entry,
  }));
  return (await vscode.window.showQuickPick(items, { title: 'Predictor to check', matchOnDetail: true }))?.entry;
}
