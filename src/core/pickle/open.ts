import type { FileHandle } from 'node:fs/promises';
import { identityOf } from '../container/fileIdentity';
import { FileReadError, openRegularFile } from '../io/readFile';
import { PickleError } from './errors';
import { openLegacyCheckpoint } from './legacy';
import type { PickleSource } from './source';
import { openZipCheckpoint } from './zipCheckpoint';

/**
 * Opens a PyTorch checkpoint (`.bin`, `.pt`, `.pth`, `.ckpt`) of either torch.save format as a
 * tensor source: its pickle is interpreted as data only, never run, and tensors are read on
 * demand from their storages. Throws PickleError for anything that is not a plain state dict.
 */
export async function openPickleCheckpoint(path: string, kind: 'pytorch-zip' | 'pytorch-legacy'): Promise<PickleSource> {
  let handle: FileHandle;
  try {
    handle = await openRegularFile(path, 'the weights file');
  } catch (error) {
    throw new PickleError('IO_ERROR', error instanceof FileReadError ? error.message : `cannot open ${path}: ${(error as Error).message}`, path);
  }
  try {
    // What the file is as opened: assertUnchanged compares against it.
    const opened = identityOf(await handle.stat());
    return kind === 'pytorch-zip' ? await openZipCheckpoint(handle, opened, path) : await openLegacyCheckpoint(handle, opened, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    if (error instanceof PickleError) throw error;
    throw new PickleError('IO_ERROR', `reading ${path} failed: ${(error as Error).message}`, path);
  }
}
