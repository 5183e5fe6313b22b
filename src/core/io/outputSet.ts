import { link, lstat, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileSystemCause, LensError, registerLensError } from '../errors';
import { AtomicWriteError, moveIntoPlace, writeTemporary, type ChunkWriter } from './atomicWrite';
import { checkFsFault } from './fsFaults';
import { removeStaleTemporaries, temporaryName } from './staleTemporaries';

/** One file of an output set: its path and its contents (text as UTF-8, bytes, or written in chunks). */
export interface OutputFile {
  readonly path: string;
  readonly contents: string | Uint8Array | ((write: ChunkWriter) => Promise<void>);
  /** This file's own choice, over the set's (e.g. a report that is always replaced). */
  readonly overwrite?: boolean;
}

export interface OutputSetOptions {
  /** Replace existing files (default false: an existing file is refused with FILE_EXISTS before any work). */
  readonly overwrite?: boolean;
}

/**
 * A file of an output set could not be written; none of the set is in place (files this run
 * created are removed, files it replaced are restored where the file system has hard links).
 * The environment's fault (a full disk, a permission, a read-only mount): exit 2.
 */
export class OutputWriteError extends LensError {
  override readonly name = 'OutputWriteError';
  readonly code = 'OUTPUT_NOT_WRITTEN';
  readonly inputError = true;

  constructor(
    message: string,
    /** The file whose write failed. */
    readonly path: string,
    /** Node's code of the cause (ENOSPC, EACCES, …), '' when there was none. */
    readonly errno: string,
  ) {
    super(message);
  }
}

registerLensError('OutputWriteError', OutputWriteError);

/**
 * Writes several files as one: all or none. Every file is first written in full to a temporary
 * beside it (stale temporaries of killed runs are removed from those folders first), then each is
 * moved into place. If any step fails, the files already moved are taken back (a file this run
 * created is removed, one it replaced is restored from a hard-linked copy), every temporary is
 * removed, and OutputWriteError names the file that failed; a re-run then starts from the state
 * before. Errors of a producer itself (a cancellation, a bad tensor) are rethrown as they are,
 * after the same clean-up. A crash between the first and the last move can leave part of a set;
 * the moves are renames, so that window is milliseconds.
 */
export async function writeOutputSet(files: readonly OutputFile[], options: OutputSetOptions = {}): Promise<void> {
  const overwrite = (f: OutputFile) => f.overwrite ?? options.overwrite === true;
  for (const f of files) {
    if (!overwrite(f) && (await present(f.path))) throw new AtomicWriteError('FILE_EXISTS', `${f.path} already exists; not overwritten (pass overwrite to replace it)`, f.path);
  }
  for (const dir of new Set(files.map((f) => dirname(f.path)))) await removeStaleTemporaries(dir);
  const temps: string[] = [];
  try {
    for (const f of files) temps.push(await writeTemporary(f.path, producer(f.contents)));
  } catch (error) {
    await removeAll(temps);
    throw failed(error, files[temps.length].path);
  }
  const moved: { target: string; backup: string | null; created: boolean }[] = [];
  try {
    for (const [i, f] of files.entries()) {
      const created = !(await present(f.path));
      const backup = created ? null : await keepCopy(f.path);
      moved.push({ target: f.path, backup, created: false });
      await moveIntoPlace(temps[i], f.path, overwrite(f));
      moved[i] = { target: f.path, backup, created };
    }
  } catch (error) {
    await rollBack(moved);
    await removeAll(temps);
    throw failed(error, files[moved.length - 1].path);
  }
  await removeAll(moved.flatMap((m) => (m.backup ? [m.backup] : [])));
}

function producer(contents: OutputFile['contents']): (write: ChunkWriter) => Promise<void> {
  if (typeof contents === 'function') return contents;
  const bytes = typeof contents === 'string' ? new TextEncoder().encode(contents) : contents;
  return (write) => write(bytes);
}

/** A hard link to a file about to be replaced, so a roll-back can put it back; null where links are refused. */
async function keepCopy(target: string): Promise<string | null> {
  const backup = temporaryName(target, 'bak');
  try {
    checkFsFault('link', target);
    await link(target, backup);
    return backup;
  } catch {
    return null;
  }
}

/** Takes the moved files back, last first: a created file is removed, a replaced one restored from its copy. */
async function rollBack(moved: readonly { target: string; backup: string | null; created: boolean }[]): Promise<void> {
  for (const m of [...moved].reverse()) {
    if (m.backup) {
      await rename(m.backup, m.target).catch(() => undefined);
      // When the target is still the same file as its copy (the move never happened), rename does nothing.
      await unlink(m.backup).catch(() => undefined);
    } else if (m.created) await unlink(m.target).catch(() => undefined);
  }
}

async function removeAll(paths: readonly string[]): Promise<void> {
  for (const p of paths) await unlink(p).catch(() => undefined);
}

/** The error to throw: a file-system failure as OutputWriteError naming the file; anything else as it is. */
function failed(error: unknown, path: string): unknown {
  const errno = error instanceof AtomicWriteError ? error.errno : typeof (error as NodeJS.ErrnoException)?.code === 'string' ? String((error as NodeJS.ErrnoException).code) : '';
  const fileSystem = (error instanceof AtomicWriteError && error.code === 'IO_ERROR') || (!(error instanceof LensError) && fileSystemCause(errno) !== undefined);
  if (!fileSystem) return error;
  const cause = fileSystemCause(errno) ?? (error as Error).message;
  return new OutputWriteError(`cannot write ${path}: ${cause}; nothing was written (no file of this output was left in place)`, path, errno);
}

async function present(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
