import { PickleError } from './errors';
import { storageType } from './torchGlobals';
import { kindOf, type PyStorage, type PyValue } from './values';

/** The parts of a storage persistent id, as torch.serialization's persistent_id writes them. */
export interface StorageId {
  readonly dtype: PyStorage['dtype'];
  readonly itemBytes: number;
  readonly key: string;
  readonly numel: number;
  /** Legacy format only: (view key, element offset, element count) of a view of the root storage, or null. */
  readonly view: { readonly offset: number; readonly numel: number } | null;
}

/** The longest storage key accepted (torch writes decimal counters or small integers as text). */
const MAX_KEY = 64;

/**
 * Parses ('storage', storage_type, key, location, numel[, view_metadata]): the zip format's
 * five-tuple and the legacy format's six-tuple (torch/serialization.py, persistent_id in _save
 * and _legacy_save). Anything else (a pickled module's source, an unknown typename) is refused.
 */
export function parseStorageId(pid: PyValue, legacy: boolean, file: string): StorageId {
  const bad = (message: string): PickleError => new PickleError('NOT_A_STATE_DICT', message, file);
  if (pid === null || typeof pid !== 'object' || pid instanceof Uint8Array || pid.kind !== 'tuple') throw bad(`a persistent id is ${kindOf(pid)}, not a tuple`);
  const [typename, type, key, , numel, view] = pid.items;
  if (typename !== 'storage')
    throw bad(
      `a persistent id of kind ${typeof typename === 'string' ? JSON.stringify(typename.slice(0, 40)) : kindOf(typename)}: only storages are read (a whole pickled module is not a state dict)`,
    );
  if (pid.items.length !== (legacy ? 6 : 5)) throw bad(`a storage persistent id of ${pid.items.length} fields`);
  const dtype = storageType(type ?? null);
  if (!dtype) throw bad(`a storage of type ${kindOf(type ?? null)}`);
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY || key.includes('/')) throw bad('a storage key that is not a short name');
  if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) throw bad(`storage ${JSON.stringify(key)} has ${kindOf(numel ?? null)} elements`);
  if (!legacy || view === null) return { ...dtype, itemBytes: dtype.bytes, key, numel, view: null };
  if (view === undefined || typeof view !== 'object' || view instanceof Uint8Array || view.kind !== 'tuple' || view.items.length !== 3)
    throw bad(`storage ${JSON.stringify(key)} has malformed view metadata`);
  const [, offset, size] = view.items;
  const ok = (v: PyValue): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!ok(offset) || !ok(size) || offset + size > numel) throw bad(`a view of storage ${JSON.stringify(key)} lies outside it`);
  return { ...dtype, itemBytes: dtype.bytes, key, numel, view: { offset, numel: size } };
}
