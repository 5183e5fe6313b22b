import { AdapterError } from '../adapter/errors';
import { openRegularFile, readFully } from '../io/readFile';
import { openPickleCheckpoint } from '../pickle/open';
import { openSafetensors } from '../safetensors/reader';
import type { ContainerKind, TensorSource } from './source';

/** How many leading bytes tell the containers apart. */
const MAGIC_BYTES = 8;

/**
 * The container a file's first bytes announce: a zip local-file header (PyTorch ≥ 1.6 saves a
 * zip archive), a pickle's PROTO opcode (the legacy PyTorch format starts with a pickled magic
 * number), GGUF's magic, and safetensors for everything else (its reader explains what a
 * foreign file actually is).
 */
export function containerOf(head: Uint8Array): ContainerKind {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'pytorch-zip';
  if (head.length >= 4 && head[0] === 0x47 && head[1] === 0x47 && head[2] === 0x55 && head[3] === 0x46) return 'gguf';
  if (head.length >= 2 && head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) return 'pytorch-legacy';
  return 'safetensors';
}

/** Opens a weights file of any supported container as a TensorSource (header only; tensors on demand). */
export async function openTensorSource(path: string): Promise<TensorSource> {
  const kind = containerOf(await readHead(path));
  switch (kind) {
    case 'safetensors':
      return openSafetensors(path);
    case 'pytorch-zip':
    case 'pytorch-legacy':
      return openPickleCheckpoint(path, kind);
    case 'gguf':
      throw new AdapterError('UNSUPPORTED_WEIGHTS', `${path} is a ${kind} file, which cannot be read yet`, path);
  }
}

async function readHead(path: string): Promise<Uint8Array> {
  const handle = await openRegularFile(path, 'the weights file');
  try {
    const size = (await handle.stat()).size;
    const head = new Uint8Array(Math.min(MAGIC_BYTES, size));
    const read = await readFully(handle, head, 0);
    return head.subarray(0, read);
  } finally {
    await handle.close();
  }
}
