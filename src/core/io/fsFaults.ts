/** The steps of a file write where the file system can refuse (and where a test can make it refuse). */
export type FsStep = 'create' | 'write' | 'sync' | 'close' | 'move' | 'link';

/** Called before each step with the step and the target being written; throws to make the step fail. */
export type FsFaultHook = (step: FsStep, target: string) => void;

let hook: FsFaultHook | undefined;

/**
 * Makes file writes fail on demand, for tests of the failure paths that a real disk gives only
 * rarely (ENOSPC on the third file, EACCES while running as root). Pass undefined to stop.
 * Nothing in the product sets it.
 */
export function setFsFaultHook(next: FsFaultHook | undefined): void {
  hook = next;
}

/** Runs the fault hook for a step, if one is set. */
export function checkFsFault(step: FsStep, target: string): void {
  hook?.(step, target);
}

/** An error shaped as Node's own for `code` (e.g. ENOSPC) from `syscall` on `path`. */
export function errnoError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: injected failure, ${syscall} '${path}'`);
  error.code = code;
  error.syscall = syscall;
  error.path = path;
  return error;
}
