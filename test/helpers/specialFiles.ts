import { spawnSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { symlink } from 'node:fs/promises';

/** Whether this platform has FIFOs and /dev/zero (POSIX); the tests that need them are skipped elsewhere. */
export const HAS_FIFOS = process.platform !== 'win32';

/** Makes a FIFO (named pipe) at `path` with the system's mkfifo. */
export function makeFifo(path: string): void {
  const r = spawnSync('mkfifo', [path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mkfifo ${path} failed: ${r.stderr || r.error?.message}`);
}

/** Makes `path` a symlink to /dev/zero, an endless file. */
export function linkToDevZero(path: string): Promise<void> {
  return symlink('/dev/zero', path);
}

/**
 * Opens and closes the FIFO for reading and writing, which never blocks on Linux: a reader
 * stuck in `open` of it (a regression) is released, so a failing test ends instead of hanging.
 */
export function releaseFifo(path: string): void {
  try {
    closeSync(openSync(path, constants.O_RDWR | constants.O_NONBLOCK));
  } catch {
    // Already removed, or nobody waiting: nothing to release.
  }
}
