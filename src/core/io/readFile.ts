import { constants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { LensError, registerLensError } from '../errors';

/** Why a file could not be read: absent, not a regular file, over its size cap, or refused by the OS. */
export type FileReadCode = 'NOT_FOUND' | 'NOT_A_FILE' | 'TOO_LARGE' | 'IO_ERROR';

/**
 * A failed read of a file the user pointed at (or one found beside it). Every cause is the
 * input's or the environment's, so the CLI exits 2 on it.
 */
export class FileReadError extends LensError {
  override readonly name = 'FileReadError';
  readonly inputError = true;

  constructor(
    readonly code: FileReadCode,
    message: string,
    /** The file that was being read. */
    readonly path: string,
  ) {
    super(message);
  }
}
registerLensError('FileReadError', FileReadError);

/**
 * The most bytes one `read` call asks for. Node refuses (aborts, in fact) a single read of 2 GiB
 * or more, and a bounded chunk keeps each call's latency and the thread pool's share small.
 */
export const READ_CHUNK_BYTES = 64 * 1024 * 1024;

/**
 * Opening for reading never waits: O_NONBLOCK makes `open` of a FIFO return at once (where it
 * would block until a writer came), O_NOCTTY keeps a terminal from becoming ours. Both are
 * no-ops for regular files and absent on Windows, where the flags are 0.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

/**
 * Opens `path` for reading, refusing anything but a regular file (symlinks to one are followed):
 * checked by `stat` before the open, so a FIFO or device is never opened, and by `fstat` on the
 * handle after it, so a file swapped for one in between is caught too. `what` names the file in
 * messages ("the adapter config", "the predictor's manifest"), before the path.
 */
export async function openRegularFile(path: string, what = 'the file'): Promise<FileHandle> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    throw fromSystemError(error, path, what);
  }
  if (!info.isFile()) throw notAFile(path, what, info);
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    throw fromSystemError(error, path, what);
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) throw notAFile(path, what, opened);
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error instanceof FileReadError ? error : fromSystemError(error, path, what);
  }
  return handle;
}

/**
 * Fills `target` from `position` in calls of at most `chunk` bytes, looping over short reads;
 * returns how many bytes were read, fewer than `target.length` only when the file ended.
 * Errors of the read itself propagate as the OS gave them, for the caller to type.
 */
export async function readFully(handle: FileHandle, target: Uint8Array, position: number, chunk = READ_CHUNK_BYTES): Promise<number> {
  let done = 0;
  while (done < target.length) {
    const { bytesRead } = await handle.read(target, done, Math.min(chunk, target.length - done), position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/**
 * The whole contents of a small regular file, refusing (TOO_LARGE) one of more than `maxBytes`
 * bytes, whether it says so up front or grows while being read. Never follows a FIFO or device
 * (see {@link openRegularFile}).
 */
export async function readSmallFile(path: string, maxBytes: number, what = 'the file'): Promise<Uint8Array> {
  const handle = await openRegularFile(path, what);
  try {
    let size: number;
    try {
      size = (await handle.stat()).size;
    } catch (error) {
      throw fromSystemError(error, path, what);
    }
    if (size > maxBytes) throw tooLarge(path, what, maxBytes, size);
    const chunks: Uint8Array[] = [];
    let total = 0;
    // One byte past the cap tells a file that grew past it from one that ends exactly there.
    for (;;) {
      const chunk = new Uint8Array(Math.min(READ_CHUNK_BYTES, Math.max(size - total + 1, 64 * 1024), maxBytes + 1 - total));
      let got: number;
      try {
        got = await readFully(handle, chunk, total);
      } catch (error) {
        throw fromSystemError(error, path, what);
      }
      chunks.push(chunk.subarray(0, got));
      total += got;
      if (total > maxBytes) throw tooLarge(path, what, maxBytes, null);
      if (got < chunk.length) break;
    }
    return concat(chunks, total);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** {@link readSmallFile} decoded as UTF-8 (malformed sequences become U+FFFD, as `readFile(…, 'utf8')` does). */
export async function readSmallText(path: string, maxBytes: number, what = 'the file'): Promise<string> {
  return new TextDecoder().decode(await readSmallFile(path, maxBytes, what));
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** What a non-regular file is, in words. */
function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'a special file';
}

function notAFile(path: string, what: string, info: Stats): FileReadError {
  return new FileReadError('NOT_A_FILE', `${what} ${path} is ${kindOf(info)}, not a regular file`, path);
}

/** `size` is null for a file that grew past the cap while it was read. */
function tooLarge(path: string, what: string, maxBytes: number, size: number | null): FileReadError {
  const found = size === null ? 'grew past' : `is ${size} bytes, over`;
  return new FileReadError('TOO_LARGE', `${what} ${path} ${found} the ${maxBytes}-byte limit for it`, path);
}

function fromSystemError(error: unknown, path: string, what: string): FileReadError {
  const code = (error as NodeJS.ErrnoException).code;
  const detail = (error as Error).message;
  if (code === 'ENOENT') return new FileReadError('NOT_FOUND', `${what} ${path} does not exist`, path);
  return new FileReadError('IO_ERROR', `${what} ${path} cannot be read: ${detail}`, path);
}
