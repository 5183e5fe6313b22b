import { createHash } from 'node:crypto';
import { AdapterError } from '../adapter/errors';
import { openRegularFile, readFully } from '../io/readFile';

/** Bytes hashed per read: large enough that the per-call cost vanishes, small enough to hold. */
const HASH_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * SHA-256 of a regular file, hex, read in chunks (adapters can be gigabytes). A file that is
 * not a regular file, or cannot be read, is AdapterError IO_ERROR.
 */
export async function sha256File(path: string): Promise<string> {
  let handle;
  try {
    handle = await openRegularFile(path, 'the adapter');
  } catch (error) {
    throw new AdapterError('IO_ERROR', (error as Error).message, path);
  }
  try {
    const hash = createHash('sha256');
    const chunk = new Uint8Array(HASH_CHUNK_BYTES);
    for (let position = 0; ;) {
      const got = await readFully(handle, chunk, position);
      hash.update(chunk.subarray(0, got));
      position += got;
      if (got < chunk.length) break;
    }
    return hash.digest('hex');
  } catch (error) {
    throw new AdapterError('IO_ERROR', `${path} could not be read: ${(error as Error).message}`, path);
  } finally {
    await handle.close().catch(() => undefined);
  }
}
