import * as vscode from 'vscode';
import { computeInfo } from '../../core/report/computeInfo';
import type { HostContext } from '../hostContext';
import { log, showError } from '../log';
import { readSettings } from '../settings';

/**
 * Show Compute Info: onnxruntime's version, the provider that actually runs for the configured
 * device (found by creating a session, the same probe as the CLI's `info`) and the threads, plus what
 * the last analysis in the active editor ran on.
 */
export function registerShowComputeInfo(ctx: HostContext): vscode.Disposable {
  return vscode.commands.registerCommand('loraLens.showComputeInfo', async () => {
    try {
      const device = readSettings().compute.device;
      const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'LoRA Lens: probing onnxruntime' }, () => computeInfo(device));
      const last = ctx.registry.active()?.document.analysis?.device;
      const lastRun = last ? ` Last analysis: ${last.backend}${last.provider ? ` on ${last.provider}` : ''}.` : '';
      const fallback = report.fallbackReason ? ` (${report.fallbackReason})` : '';
      const message = `LoRA Lens compute: provider ${report.provider ?? 'none'}${fallback}, onnxruntime ${report.onnxruntime}, ${report.threads} of ${report.cores} cores (device setting: ${report.device}).${lastRun}`;
      log().info(message);
      void vscode.window.showInformationMessage(message);
    } catch (error) {
      showError('Show Compute Info', error);
    }
  });
}
