import { Worker } from 'node:worker_threads';
import { AdapterError } from '../adapter/errors';
import { identityChanges, type FileIdentity } from '../container/fileIdentity';
import { SafetensorsError } from '../safetensors/errors';

/** Bytes hashed per read: large enough that the per-call cost vanishes, small enough to hold. */
const HASH_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * The hashing thread's whole program. A resize hashes its input for the provenance key, a
 * gigabyte and more at 70B size (about a second of SHA-256 on one core): on a thread of its own
 * it runs beside pass one instead of after it, on the core the main thread leaves free while it
 * waits on reads and the backend. It reports the identity of the handle it read, taken before
 * and after, so the caller can tell that the bytes hashed are those of the file it opened.
 */
const PROGRAM = `
const { openSync, fstatSync, readSync, closeSync } = require('node:fs');
const { createHash } = require('node:crypto');
const { parentPort, workerData } = require('node:worker_threads');
const identity = (s) => ({ size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino, dev: s.dev });
let fd = -1;
try {
  fd = openSync(workerData.path, 'r');
  const before = fstatSync(fd);
  if (!before.isFile()) throw new Error('the adapter is not a regular file');
  const hash = createHash('sha256');
  const chunk = new Uint8Array(workerData.chunk);
  for (;;) {
    const got = readSync(fd, chunk, 0, chunk.length, null);
    if (got === 0) break;
    hash.update(chunk.subarray(0, got));
  }
  parentPort.postMessage({ hex: hash.digest('hex'), before: identity(before), after: identity(fstatSync(fd)) });
} catch (error) {
  parentPort.postMessage({ error: String(error && error.message ? error.message : error) });
} finally {
  if (fd >= 0) closeSync(fd);
}
`;

interface Reply {
  readonly hex?: string;
  readonly before?: FileIdentity;
  readonly after?: FileIdentity;
  readonly error?: string;
}

/** A SHA-256 of a file being computed on its own thread. */
export interface PendingHash {
  /**
   * The hex digest, checked to be of the file whose identity is `opened` (the handle a resize
   * read its factors from): a file changed or replaced around the hash is SafetensorsError
   * FILE_CHANGED; one that cannot be read, IO_ERROR.
   */
  of(opened: FileIdentity): Promise<string>;
  /** Stops the thread if it still runs (a resize that failed or was cancelled first). */
  stop(): Promise<void>;
}

/**
 * Starts hashing the regular file at `path` on a worker thread, in chunks (adapters can be
 * gigabytes). The reply is awaited only through `of`; a rejection before then is held, not
 * thrown as unhandled.
 */
export function startSha256(path: string): PendingHash {
  const worker = new Worker(PROGRAM, { eval: true, workerData: { path, chunk: HASH_CHUNK_BYTES } });
  const reply = new Promise<Reply>((resolve) => {
    worker.once('message', (message: Reply) => resolve(message));
    worker.once('error', (error) => resolve({ error: error.message }));
    worker.once('exit', (code) => resolve({ error: `the hashing thread stopped (exit code ${code})` }));
  });
  return {
    async of(opened: FileIdentity): Promise<string> {
      const { hex, before, after, error } = await reply;
      if (error !== undefined || !hex || !before || !after) throw new AdapterError('IO_ERROR', `${path} could not be read: ${error ?? 'no digest'}`, path);
      const what = identityChanges(opened, before) ?? identityChanges(opened, after) ?? (before.dev !== opened.dev ? 'its device changed' : null);
      if (what) throw new SafetensorsError('FILE_CHANGED', `${path} changed while it was hashed: ${what}`, path);
      return hex;
    },
    async stop(): Promise<void> {
      await worker.terminate();
    },
  };
}
