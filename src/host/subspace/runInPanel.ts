import * as vscode from 'vscode';
import type { SubspaceResultKind } from '../../protocol/subspaceMessages';
import { isCancellation, log, showError } from '../log';
import { SubspacePanel, type SubspacePanelHandlers } from './subspacePanel';

/** Reports a job's progress: modules done of total, and the last one finished. */
export type ProgressReport = (done: number, total: number, module: string) => void;

export interface PanelJob {
  readonly title: string;
  readonly kind: SubspaceResultKind;
  readonly handlers?: SubspacePanelHandlers;
  /** Runs the job in the worker and sends its result to the panel. */
  run(panel: SubspacePanel, token: vscode.CancellationToken, report: ProgressReport): Promise<void>;
}

/**
 * Opens a subspace panel and runs its job under a cancellable progress notification. The
 * notification's Cancel and closing the panel both cancel the job; a failure is shown in the
 * panel and as an error message. Returns the panel (still open on failure, with the reason).
 */
export async function runInPanel(extensionUri: vscode.Uri, job: PanelJob): Promise<SubspacePanel> {
  const panel = new SubspacePanel(extensionUri, job.title, job.handlers ?? {});
  await runJobIn(panel, job);
  return panel;
}

/**
 * Runs a job in an open panel, as runInPanel does in a new one: the panel is told it started
 * (clearing what it showed), then gets the job's progress and its result or failure. The
 * job's handlers are the panel's own, given when it was made.
 */
export async function runJobIn(panel: SubspacePanel, job: PanelJob): Promise<void> {
  const source = new vscode.CancellationTokenSource();
  const closed = panel.onDidClose(() => source.cancel());
  panel.notify('started', { title: job.title, kind: job.kind });
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `LoRA Lens: ${job.title}`, cancellable: true }, async (progress, token) => {
      const listener = token.onCancellationRequested(() => source.cancel());
      let shown = 0;
      try {
        await job.run(panel, source.token, (done, total, module) => {
          const percent = total > 0 ? (100 * done) / total : 0;
          progress.report({ increment: percent - shown, message: `${done}/${total} modules` });
          shown = percent;
          panel.notify('progress', { done, total, module });
        });
      } finally {
        listener.dispose();
      }
    });
    log().info(`${job.title}: done`);
  } catch (error) {
    const cancelled = isCancellation(error) || source.token.isCancellationRequested;
    panel.notify('failed', { message: cancelled ? 'Cancelled.' : error instanceof Error ? error.message : String(error), cancelled });
    if (!cancelled) showError(job.title, error);
  } finally {
    closed.dispose();
    source.dispose();
  }
}
