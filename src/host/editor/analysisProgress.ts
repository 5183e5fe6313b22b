import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { AnalysisProgress } from '../../protocol/payloads';

/**
 * Runs an analysis under VS Code's progress UI: a cancellable notification that counts modules.
 * Cancelling it cancels `job`, the same source closing the editor cancels.
 */
export function withAnalysisProgress<T>(file: string, job: vscode.CancellationTokenSource, run: (report: (p: AnalysisProgress) => void) => Promise<T>): Promise<T> {
  return Promise.resolve(
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `LoRA Lens: analysing ${basename(file)}`, cancellable: true }, (progress, token) => {
      const listener = token.onCancellationRequested(() => job.cancel());
      let shown = 0;
      const report = (p: AnalysisProgress) => {
        const percent = p.total > 0 ? (100 * p.done) / p.total : 0;
        progress.report({ increment: percent - shown, message: `${p.done}/${p.total} modules` });
        shown = percent;
      };
      return run(report).finally(() => listener.dispose());
    }),
  );
}
