import * as vscode from 'vscode';

let channel: vscode.LogOutputChannel | undefined;

/** The "LoRA Lens" output channel, created once on first use and disposed with the extension. */
export function log(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('LoRA Lens', { log: true });
  return channel;
}

/**
 * Shows a failure as a notification with the error's own message (core errors say what was
 * wrong and where) and logs it with its code. A cancellation is not a failure and stays silent.
 */
export function showError(what: string, error: unknown): void {
  if (isCancellation(error)) return;
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  log().error(`${what}: ${message}${typeof code === 'string' ? ` [${code}]` : ''}`);
  void vscode.window.showErrorMessage(`${what}: ${message}`);
}

export function isCancellation(error: unknown): boolean {
  return error instanceof Error && (error.name === 'CancelledError' || error.name === 'AbortError' || error instanceof vscode.CancellationError);
}
