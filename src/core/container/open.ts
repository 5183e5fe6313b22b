import { openGguf } from '../gguf/reader';
import { openRegularFile, readFully } from '../io/readFile';
import { openPickleCheckpoint } from '../pickle/open';
import { openSafetensors } from '../safetensors/reader';
import type { ContainerKind, TensorSource } from './source';

/** How many leading bytes tell the containers apart (a legacy pickle's frame header and the magic number's opcode). */
const MAGIC_BYTES = 16;

/**
 * The container a file's first bytes announce: a zip local-file header (PyTorch ≥ 1.6 saves a
 * zip archive), the legacy PyTorch format's first pickle, GGUF's magic, and safetensors for
 * everything else (its reader explains what a foreign file actually is). The legacy format
 * starts with PROTO and, possibly after a FRAME, LONG1 of the 10-byte magic number
 * (torch/serialization.py _legacy_save): PROTO alone would also match safetensors files whose
 * header length ends in 0x80 0x02. A safetensors header is JSON, so its byte 8 is `{`, which a
 * zip local header's compression method never is.
 */
export function containerOf(head: Uint8Array): ContainerKind {
  const at = (i: number, ...bytes: number[]): boolean => head.length >= i + bytes.length && bytes.every((b, k) => head[i + k] === b);
  if (at(0, 0x50, 0x4b, 0x03, 0x04) && head[8] !== 0x7b) return 'pytorch-zip';
  if (at(0, 0x47, 0x47, 0x55, 0x46)) return 'gguf';
  if (head[0] === 0x80 && head[1] >= 2 && head[1] <= 5 && (at(2, 0x8a, 0x0a) || (at(2, 0x95) && at(11, 0x8a, 0x0a)))) return 'pytorch-legacy';
  return 'safetensors';
}

/** Opens a weights file of any supported container as a TensorSource (header only; tensors on demand). */
export async function openTensorSource(path: string): Promise<TensorSource> {
  let head: Uint8Array;
  try {
    head = await readHead(path);
  } catch {
    // A path that cannot be read fails in the safetensors reader, with the typed error it always gave.
    return openSafetensors(path);
  }
  const kind = containerOf(head);
  switch (kind) {
    case 'safetensors':
      return openSafetensors(path);
    case 'gguf':
      return openGguf(path);
    case 'pytorch-zip':
    case 'pytorch-legacy':
      return openPickleCheckpoint(path, kind);
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
