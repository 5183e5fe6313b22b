import type { FileHandle } from 'node:fs/promises';
import type { FileIdentity } from '../container/fileIdentity';
import { PickleError } from './errors';
import { readAt } from './fileRead';
import { PICKLE_LIMITS } from './limits';
import { parseStorageId } from './persistentId';
import { placeTensors } from './place';
import { PickleSource } from './source';
import { tensorsOf } from './stateDict';
import { unpickle } from './unpickle';
import { kindOf, type PyStorage, type PyValue } from './values';

/** torch/serialization.py MAGIC_NUMBER and PROTOCOL_VERSION, the legacy format's first two pickles. */
const MAGIC_NUMBER = 0x1950a86a20f9469cfc6cn;
const PROTOCOL_VERSION = 1001;
/** The pickles come first; they are read from a head of the file that grows until they fit. */
const FIRST_HEAD_BYTES = 1024 * 1024;

interface RootStorage {
  readonly key: string;
  readonly dtype: PyStorage['dtype'];
  readonly itemBytes: number;
  readonly numel: number;
}

/**
 * Reads a legacy (pre-1.6, `_use_new_zipfile_serialization=False`) torch.save checkpoint, laid
 * out as torch/serialization.py _legacy_save writes it: pickles of the magic number, the protocol
 * version and the sys info, the object pickled with storage persistent ids, the list of storage
 * keys, then each storage in that order as an 8-byte little-endian element count and its raw
 * bytes (torch/csrc/serialization.cpp, THPStorage_writeFileRaw).
 */
export async function openLegacyCheckpoint(handle: FileHandle, opened: FileIdentity, file: string): Promise<PickleSource> {
  const fileSize = opened.size;
  const roots = new Map<string, RootStorage>();
  const { value, keys, end } = await readPickles(handle, fileSize, file, roots);
  const bases = new Map<string, number>();
  let position = end;
  for (const key of keys) {
    const root = roots.get(key);
    if (!root) throw new PickleError('NOT_A_STATE_DICT', `the storage list names ${JSON.stringify(key)}, which no tensor uses`, file);
    if (bases.has(key)) throw new PickleError('MALFORMED_PICKLE', `the storage list names ${JSON.stringify(key)} twice`, file);
    if (position + 8 > fileSize) throw new PickleError('MISSING_BYTES', `the file ends before storage ${JSON.stringify(key)}`, file);
    const count = new DataView((await readAt(handle, position, 8, file)).buffer).getBigInt64(0, true);
    if (count !== BigInt(root.numel)) throw new PickleError('MALFORMED_PICKLE', `storage ${JSON.stringify(key)} is saved with ${count} elements, its id says ${root.numel}`, file);
    const bytes = root.numel * root.itemBytes;
    if (bytes > fileSize - position - 8)
      throw new PickleError('MISSING_BYTES', `storage ${JSON.stringify(key)} (${bytes} bytes at ${position + 8}) runs past the end of the file`, file);
    bases.set(key, position + 8);
    position += 8 + bytes;
  }
  for (const key of roots.keys()) if (!bases.has(key)) throw new PickleError('NOT_A_STATE_DICT', `storage ${JSON.stringify(key)} is used but not saved`, file);
  const tensors = tensorsOf(value, file);
  const { header, placed } = placeTensors(tensors, (key) => bases.get(key) as number, file, fileSize, end);
  return new PickleSource('pytorch-legacy', handle, header, placed, opened);
}

async function readPickles(handle: FileHandle, fileSize: number, file: string, roots: Map<string, RootStorage>): Promise<{ value: PyValue; keys: string[]; end: number }> {
  for (let length = Math.min(fileSize, FIRST_HEAD_BYTES); ; length = Math.min(fileSize, length * 4)) {
    const head = await readAt(handle, 0, length, file);
    roots.clear();
    try {
      return parsePickles(head, file, roots);
    } catch (error) {
      const ranOut = error instanceof PickleError && error.code === 'MALFORMED_PICKLE' && error.message.includes('ends inside');
      if (!ranOut || length >= fileSize) throw error;
      if (length >= PICKLE_LIMITS.maxPickleBytes) throw new PickleError('LIMIT_EXCEEDED', `the checkpoint's pickles run past ${PICKLE_LIMITS.maxPickleBytes} bytes`, file);
    }
  }
}

function parsePickles(head: Uint8Array, file: string, roots: Map<string, RootStorage>): { value: PyValue; keys: string[]; end: number } {
  const none = (): PyValue => {
    throw new PickleError('NOT_A_STATE_DICT', 'a persistent id before the main pickle', file);
  };
  const magic = unpickle(head, 0, file, none);
  if (magic.value !== MAGIC_NUMBER)
    throw new PickleError('NOT_A_STATE_DICT', 'the file is a pickle but not a torch.save checkpoint (its first value is not torch’s magic number)', file);
  const protocol = unpickle(head, magic.end, file, none);
  if (protocol.value !== PROTOCOL_VERSION)
    throw new PickleError(
      'UNSUPPORTED',
      `legacy checkpoint protocol ${kindOf(protocol.value) === 'int' ? String(protocol.value) : kindOf(protocol.value)} (${PROTOCOL_VERSION} is read)`,
      file,
    );
  const info = unpickle(head, protocol.end, file, none);
  if (
    info.value !== null &&
    typeof info.value === 'object' &&
    !(info.value instanceof Uint8Array) &&
    info.value.kind === 'dict' &&
    info.value.entries.get('little_endian') === false
  ) {
    throw new PickleError('UNSUPPORTED', 'the checkpoint was written on a big-endian machine; only little-endian storages are read', file);
  }
  const main = unpickle(head, info.end, file, (pid) => {
    const id = parseStorageId(pid, true, file);
    const known = roots.get(id.key);
    if (known && (known.dtype !== id.dtype || known.numel !== id.numel)) throw new PickleError('MALFORMED_PICKLE', `storage ${JSON.stringify(id.key)} is described two ways`, file);
    if (!known) roots.set(id.key, { key: id.key, dtype: id.dtype, itemBytes: id.itemBytes, numel: id.numel });
    const view = id.view ?? { offset: 0, numel: id.numel };
    return { kind: 'storage', key: id.key, dtype: id.dtype, itemBytes: id.itemBytes, numel: view.numel, elementOffset: view.offset } satisfies PyStorage;
  });
  const list = unpickle(head, main.end, file, none);
  const items = list.value !== null && typeof list.value === 'object' && !(list.value instanceof Uint8Array) && list.value.kind === 'list' ? list.value.items : null;
  if (!items || items.some((k) => typeof k !== 'string')) throw new PickleError('MALFORMED_PICKLE', 'the storage key list is not a list of strings', file);
  return { value: main.value, keys: items as string[], end: list.end };
}
