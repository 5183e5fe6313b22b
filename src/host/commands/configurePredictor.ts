import * as vscode from 'vscode';

/** Configure Predictor: a placeholder until equivariant predictors land (DESIGN.md §6). */
export function registerConfigurePredictor(): vscode.Disposable {
  return vscode.commands.registerCommand('loraLens.configurePredictor', async () => {
    const open = 'Open Settings';
    const choice = await vscode.window.showInformationMessage('LoRA Lens: no predictor is configured yet.', open);
    if (choice === open) await vscode.commands.executeCommand('workbench.action.openSettings', 'loraLens');
  });
}
