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
import type { PyStorage } from './values';
import { readZipDirectory, type ZipEntry } from './zip';

/**
 * Reads a torch.save zip checkpoint (torch ≥ 1.6; torch/serialization.py _save and
 * caffe2/serialize/inline_container.cc): `<archive>/data.pkl` is the pickled object and
 * `<archive>/data/<key>` each storage's raw little-endian bytes, stored uncompressed. Only the
 * directory and data.pkl are read here; tensors are read later at their members' offsets.
 */
export async function openZipCheckpoint(handle: FileHandle, opened: FileIdentity, file: string): Promise<PickleSource> {
  const fileSize = opened.size;
  const entries = await readZipDirectory(handle, fileSize, file);
  const pickles = [...entries.values()].filter((e) => /^[^/]+\/data\.pkl$/.test(e.name));
  if (pickles.length !== 1) {
    const what = pickles.length === 0 ? 'no <archive>/data.pkl' : `${pickles.length} data.pkl members`;
    throw new PickleError('NOT_A_STATE_DICT', `the zip archive holds ${what}; it is not a torch.save checkpoint`, file);
  }
  const pkl = pickles[0];
  const prefix = pkl.name.slice(0, -'data.pkl'.length);
  await checkByteOrder(handle, entries.get(`${prefix}byteorder`), file);
  storedMember(pkl, file);
  if (pkl.size > PICKLE_LIMITS.maxPickleBytes) throw new PickleError('LIMIT_EXCEEDED', `data.pkl is ${pkl.size} bytes (at most ${PICKLE_LIMITS.maxPickleBytes})`, file);
  const bytes = await readAt(handle, pkl.dataStart, pkl.size, file);
  const { value } = unpickle(bytes, 0, file, (pid) => {
    const id = parseStorageId(pid, false, file);
    const member = entries.get(`${prefix}data/${id.key}`);
    if (!member) throw new PickleError('NOT_A_STATE_DICT', `storage ${JSON.stringify(id.key)} has no member ${prefix}data/${id.key} in the archive`, file);
    storedMember(member, file);
    if (id.numel * id.itemBytes > member.size) {
      throw new PickleError('TENSOR_OUT_OF_BOUNDS', `storage ${JSON.stringify(id.key)} of ${id.numel} ${id.dtype} elements is larger than its member (${member.size} bytes)`, file);
    }
    const storage: PyStorage = { kind: 'storage', key: member.name, dtype: id.dtype, itemBytes: id.itemBytes, numel: id.numel, elementOffset: 0 };
    return storage;
  });
  const tensors = tensorsOf(value, file);
  const { header, placed } = placeTensors(tensors, (key) => (entries.get(key) as ZipEntry).dataStart, file, fileSize, pkl.size);
  return new PickleSource('pytorch-zip', handle, header, placed, opened);
}

function storedMember(entry: ZipEntry, file: string): void {
  if (entry.encrypted) throw new PickleError('UNSUPPORTED', `${entry.name} is encrypted`, file);
  if (entry.method !== 0)
    throw new PickleError('UNSUPPORTED', `${entry.name} is compressed (method ${entry.method}); torch.save stores members uncompressed, and only those are read in place`, file);
}

/** torch writes `byteorder` ("little" or "big") since 1.13; storages of a big-endian writer are refused. */
async function checkByteOrder(handle: FileHandle, entry: ZipEntry | undefined, file: string): Promise<void> {
  if (!entry) return;
  storedMember(entry, file);
  if (entry.size > 16) throw new PickleError('BAD_ZIP', `the byteorder member is ${entry.size} bytes`, file);
  const text = new TextDecoder().decode(await readAt(handle, entry.dataStart, entry.size, file));
  if (text === 'little') return;
  throw new PickleError('UNSUPPORTED', `the checkpoint's storages are ${JSON.stringify(text)}-endian; only little-endian ones are read`, file);
}
