import { hostname } from 'node:os';
import { open, rename, unlink } from 'node:fs/promises';
import { fileSystemCause, FileSystemError, isFileSystemErrno, LensError, registerLensError } from '../errors';
import { checkFsFault } from './fsFaults';
import { FileReadError, readSmallText } from './readFile';
import { temporaryName } from './staleTemporaries';

/**
 * Another run holds the lock on an output: its process id and host are in the message, with
 * the lock file to remove if that run is known to be gone. The environment's: exit 2.
 */
export class OutputLockedError extends LensError {
  override readonly name = 'OutputLockedError';
  readonly code = 'OUTPUT_LOCKED';
  readonly inputError = true;

  constructor(
    message: string,
    /** The lock file. */
    readonly path: string,
  ) {
    super(message);
  }
}

registerLensError('OutputLockedError', OutputLockedError);

/** A held lock: `release` removes it (once; later calls do nothing). */
export interface OutputLock {
  readonly path: string;
  /** Said when a stale lock of a run that is gone was taken over. */
  readonly note: string | null;
  release(): Promise<void>;
}

/** A lock file holds its owner's pid and host, two short lines. */
const MAX_LOCK_BYTES = 4096;
/** Tries to take a stale lock over before giving up: each try removes one stale lock, so two are plenty. */
const TAKEOVER_TRIES = 3;

/**
 * Takes the lock on an output that a run rewrites over minutes (a scan's feature file):
 * `<output>.lock`, created exclusively (O_EXCL) and holding `pid\nhost\n`. One run at a time:
 * a second run on the same output gets OutputLockedError naming the holder, so two runs never
 * both report success while one's rows are lost. A lock left by a run that is gone (its pid is
 * no process on this host) is taken over, with a note saying so; a lock from another host is
 * never taken over (its pid cannot be checked from here). Creating the lock is also the check that
 * the output's folder is writable, before any analysis: a refusal is a FileSystemError.
 */
export async function acquireOutputLock(output: string): Promise<OutputLock> {
  const path = `${output}.lock`;
  let note: string | null = null;
  for (let attempt = 0; attempt < TAKEOVER_TRIES; attempt++) {
    if (await create(path, output)) return held(path, note);
    const owner = await readOwner(path);
    if (owner === null) continue;
    if (owner.pid === 0)
      throw new OutputLockedError(`${output}: ${path} exists and is not a lock this tool wrote (no process id in it); remove it if no run is writing ${output}`, path);
    if (owner.host !== hostname() || processAlive(owner.pid)) {
      throw new OutputLockedError(
        `${output} is being written by another run (process ${owner.pid} on ${owner.host || 'an unknown host'}, holding ${path}); wait for it to finish, or remove ${path} if that run is gone`,
        path,
      );
    }
    if (await removeStale(path, owner.pid)) note = `took over the lock ${path} left by process ${owner.pid}, which is no longer running`;
  }
  throw new OutputLockedError(`${output}: the lock ${path} keeps changing hands; another run is starting on the same output`, path);
}

/** Creates the lock file with this process's pid; false when it exists. */
async function create(path: string, output: string): Promise<boolean> {
  try {
    checkFsFault('create', path);
    const handle = await open(path, 'wx');
    try {
      await handle.writeFile(`${process.pid}\n${hostname()}\n`);
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    if (isFileSystemErrno(error)) {
      throw new FileSystemError(`cannot write ${output}: cannot create ${path} beside it: ${fileSystemCause(error.code) ?? error.message}`, error.code, path);
    }
    throw error;
  }
}

/** The lock's owner; null when the lock vanished meanwhile (try again). A file that is not a lock of ours has pid 0. */
async function readOwner(path: string): Promise<{ pid: number; host: string } | null> {
  let text: string;
  try {
    text = await readSmallText(path, MAX_LOCK_BYTES, 'the lock file');
  } catch (error) {
    if (error instanceof FileReadError && error.code === 'NOT_FOUND') return null;
    throw error;
  }
  const [pidLine = '', host = ''] = text.split('\n');
  const pid = /^\d{1,10}$/.test(pidLine.trim()) ? Number(pidLine.trim()) : 0;
  return { pid, host: host.trim() || hostname() };
}

function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Removes a stale lock without removing a fresh one that another run created meanwhile: the
 * lock is renamed aside (atomic), and only if the renamed file still names the dead pid is it
 * deleted; otherwise it is put back.
 */
async function removeStale(path: string, deadPid: number): Promise<boolean> {
  const aside = temporaryName(path, 'tmp');
  try {
    await rename(path, aside);
  } catch {
    return false;
  }
  const owner = await readOwner(aside).catch(() => null);
  if (owner && owner.pid !== deadPid && processAlive(owner.pid)) {
    await rename(aside, path).catch(() => undefined);
    return false;
  }
  await unlink(aside).catch(() => undefined);
  return true;
}

function held(path: string, note: string | null): OutputLock {
  let released = false;
  return {
    path,
    note,
    release: async () => {
      if (released) return;
      released = true;
      await unlink(path).catch(() => undefined);
    },
  };
}
