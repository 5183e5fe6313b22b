import { stat } from 'node:fs/promises';
import { AdapterError } from '../adapter/errors';

/** The input's identity when a plan was made: a rewritten or replaced file has another one. */
export interface FileStamp {
  readonly size: number;
  readonly mtimeMs: number;
  /** Tells a file replaced by a rename from the one read (0 where the platform has none). */
  readonly ino: number;
}

/** The stamp of the weights file at `path` now. */
export async function fileStamp(path: string): Promise<FileStamp> {
  try {
    const info = await stat(path);
    return { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino };
  } catch (error) {
    throw new AdapterError('IO_ERROR', `${path} could not be read: ${(error as Error).message}`, path);
  }
}
