import { access, link, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LensError, registerLensError } from '../errors';
import { checkFsFault, type FsStep } from './fsFaults';
import { removeStaleTemporaries, temporaryName } from './staleTemporaries';

/** Why an atomic write failed: the target exists (and was not to be replaced), or the file system refused a step. */
export type AtomicWriteCode = 'FILE_EXISTS' | 'IO_ERROR';

/**
 * A failed atomic write; the old target, if any, is untouched and no temporary file is left.
 * Both causes are the environment's (an existing file, a full or read-only disk, a permission),
 * so the CLI exits 2 on it.
 */
export class AtomicWriteError extends LensError {
  override readonly name = 'AtomicWriteError';
  readonly inputError = true;

  constructor(
    readonly code: AtomicWriteCode,
    message: string,
    /** The target that was being written. */
    readonly path: string,
    /** Node's code of the refusal (ENOSPC, EACCES, …) for IO_ERROR, when it had one. */
    readonly errno: string = '',
  ) {
    super(message);
  }
}

registerLensError('AtomicWriteError', AtomicWriteError);

export interface AtomicWriteOptions {
  /**
   * Replace an existing target (the default). With false an existing target is refused with
   * FILE_EXISTS, also when it appears while writing: the name is claimed with a hard link, which
   * fails if it exists, so two writers can never both succeed.
   */
  readonly overwrite?: boolean;
}

/** Appends a chunk to the file being written; resolves once the bytes are handed to the OS. */
export type ChunkWriter = (chunk: Uint8Array) => Promise<void>;

/**
 * Writes a file atomically and durably, streaming its contents: `produce` writes them in as
 * many chunks as it likes (so gigabyte files never sit in memory) to a temporary file beside the
 * target (same directory, so the final rename never crosses file systems). The file is fsynced,
 * renamed over the target, and the directory fsynced, so readers see the old file or the whole
 * new one, never half of one, and the new name survives a crash. If `produce` or any step fails,
 * the temporary file is removed, the old target is left as it was, and the error is rethrown
 * (file-system failures as AtomicWriteError IO_ERROR; `produce`'s own errors as they are).
 */
export async function writeAtomic(target: string, produce: (write: ChunkWriter) => Promise<void>, options: AtomicWriteOptions = {}): Promise<void> {
  const overwrite = options.overwrite !== false;
  if (!overwrite && (await exists(target))) throw existsError(target);
  await removeStaleTemporaries(dirname(target));
  const temp = await writeTemporary(target, produce);
  try {
    await moveIntoPlace(temp, target, overwrite);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * The first half of {@link writeAtomic}: the contents written to a temporary file beside
 * `target` (named by temporaryName, so a later run can remove it if this process dies), fsynced
 * and closed; its path is returned. On failure the temporary is removed and the error rethrown.
 */
export async function writeTemporary(target: string, produce: (write: ChunkWriter) => Promise<void>): Promise<string> {
  const temp = temporaryName(target);
  const handle = await ioStep(target, 'create', 'create a temporary file', () => open(temp, 'wx'));
  try {
    await produce(chunkWriter(handle, target));
    await ioStep(target, 'sync', 'flush to disk', () => handle.sync());
    await ioStep(target, 'close', 'close', () => handle.close());
    return temp;
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** {@link writeAtomic} for contents already in memory; text is written as UTF-8. */
export function writeFileAtomic(target: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return writeAtomic(target, (write) => write(bytes), options);
}

/**
 * Flushes a directory's entries (a rename or a new name in it) to disk where the platform
 * allows; Windows refuses to open directories, and there the files' own data is still synced.
 */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(dir, 'r');
  } catch {
    return;
  }
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a directory; nothing more can be done there.
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function chunkWriter(handle: FileHandle, target: string): ChunkWriter {
  let position = 0;
  return async (chunk) => {
    let done = 0;
    while (done < chunk.length) {
      const { bytesWritten } = await ioStep(target, 'write', 'write', () => handle.write(chunk, done, chunk.length - done, position + done));
      done += bytesWritten;
    }
    position += chunk.length;
  };
}

/**
 * The second half of {@link writeAtomic}: the temporary renamed over the target (or, without
 * overwrite, linked to a name that must not exist) and the folder fsynced. On failure the
 * temporary is left for the caller to remove.
 */
export async function moveIntoPlace(temp: string, target: string, overwrite: boolean): Promise<void> {
  if (overwrite || !(await claimName(temp, target))) await ioStep(target, 'move', 'rename into place', () => rename(temp, target));
  await syncDirectory(dirname(target));
}

/**
 * Links the temporary file to the target name, which fails if the name exists even if it
 * appeared a moment ago; false when the file system has no hard links (then the caller falls
 * back to check-then-rename).
 */
async function claimName(temp: string, target: string): Promise<boolean> {
  try {
    checkFsFault('move', target);
    await link(temp, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw existsError(target);
    // Any other refusal (no hard links on FAT, exFAT, some network and FUSE mounts, each with its own
    // error code) falls back to check-then-rename; a real write problem shows in that rename.
    if (await exists(target)) throw existsError(target);
    return false;
  }
  // The target is complete and in place; a temporary name that lingers is only clutter.
  await unlink(temp).catch(() => undefined);
  return true;
}

async function ioStep<T>(target: string, step: FsStep, what: string, run: () => Promise<T>): Promise<T> {
  try {
    checkFsFault(step, target);
    return await run();
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    throw new AtomicWriteError('IO_ERROR', `cannot ${what} for ${target}: ${(error as Error).message}`, target, typeof errno === 'string' ? errno : '');
  }
}

function existsError(target: string): AtomicWriteError {
  return new AtomicWriteError('FILE_EXISTS', `${target} already exists; not overwritten (pass overwrite to replace it)`, target);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
