import { LensError, registerLensError } from './errors';

/**
 * The small cancellation interface the core takes. It is structurally compatible with VS Code's
 * CancellationToken, so the host passes its own token straight through without the core
 * importing `vscode`.
 */
export interface CancellationToken {
  readonly isCancellationRequested: boolean;
}

/** Thrown by long core jobs when their token is cancelled. */
export class CancelledError extends LensError {
  override readonly name = 'CancelledError';
  readonly code = 'CANCELLED';
  readonly inputError = false;

  constructor() {
    super('Cancelled');
  }
}
registerLensError('CancelledError', CancelledError);

/** Throws CancelledError when the token has been cancelled; call after each await. */
export function throwIfCancelled(token: CancellationToken | undefined): void {
  if (token?.isCancellationRequested) throw new CancelledError();
}
