import { LensError, typedFileSystemError } from '../core/errors';

/** Exit statuses: 2 is the user's input or environment (file, command line, device), 1 is ours. */
export const EXIT_INPUT = 2;
export const EXIT_INTERNAL = 1;

/** What the CLI reports for a failure: the `--json` error's code and message, and whose fault it is. */
export interface DescribedError {
  readonly code: string;
  readonly message: string;
  readonly inputError: boolean;
  readonly status: number;
}

/**
 * The exit status and `--json` code come from the error itself: every coded error (thrown on
 * this thread or rebuilt from a worker's) says whether the input or environment is at fault.
 * A Node file-system errno error is the environment's too. Anything else is ours: INTERNAL, exit 1.
 */
export function describeError(thrown: unknown): DescribedError {
  // A Node errno error (EACCES, ENOSPC, …) is the environment's: an input error naming path and cause.
  const error = typedFileSystemError(thrown);
  const message = error instanceof Error ? error.message : String(error);
  if (!(error instanceof LensError)) return { code: 'INTERNAL', message, inputError: false, status: EXIT_INTERNAL };
  return { code: error.code, message, inputError: error.inputError, status: error.inputError ? EXIT_INPUT : EXIT_INTERNAL };
}
