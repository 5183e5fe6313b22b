import * as vscode from 'vscode';
import { log, showError } from '../log';
import type { PredictionService } from '../predict/predictionService';

/**
 * Load Property Predictor…: a predictor folder (manifest.json + model.onnx, as train-predictor
 * writes it) joins the predictors of this session; the open editors' prediction cards follow.
 * Opening it validates both files, so a malformed manifest or ONNX model is reported here with
 * its reason. A second argument (a Uri or a path) names the folder and skips the dialog.
 */
export function registerLoadPredictor(predictions: PredictionService): vscode.Disposable {
  return vscode.commands.registerCommand('loraLens.loadPredictor', async (given?: unknown) => {
    const dir = typeof given === 'string' ? given : given instanceof vscode.Uri ? given.fsPath : await pickFolder();
    if (!dir) return;
    try {
      const predictor = await predictions.catalog.load(dir);
      const m = predictor.manifest;
      const fallback = predictor.provider.fallbackReason ? ` (${predictor.provider.fallbackReason})` : '';
      log().info(`loaded predictor ${m.name} ${m.version} from ${dir} on ${predictor.provider.name}${fallback}`);
      void vscode.window.showInformationMessage(
        `LoRA Lens: loaded predictor ${m.name} (${m.output.kind}, ${m.output.target}); its predictions show in the Predicted properties tab.`,
      );
    } catch (error) {
      showError(`Cannot load the predictor in ${dir}`, error);
    }
  });
}

async function pickFolder(): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title: 'Property predictor folder (manifest.json + model.onnx)',
    openLabel: 'Load Predictor',
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
  });
  return picked?.[0]?.fsPath;
}
