import type { SafetensorsHeader, TensorInfo } from '../safetensors/types';
import type { Cursor } from './cursor';
import { GgufError } from './errors';
import { ggmlType, type GgmlType } from './ggmlTypes';
import { readTypedValue, valueText, type GgufEntry } from './values';

/** `GGUF` read as a little-endian u32 (ggml/src/gguf.cpp, `GGUF_MAGIC`). */
const MAGIC = 0x46554747;
/** The most tensors a file may list (a large model has a few thousand). */
export const MAX_TENSORS = 1_000_000;
/** The most metadata entries a file may hold. */
export const MAX_KV = 1_000_000;
/** The longest key or tensor name read. */
export const MAX_NAME_BYTES = 65_536;
/** ggml's `GGML_MAX_DIMS`: a tensor has at most four dimensions. */
export const MAX_DIMS = 4;
/** gguf.cpp's `GGUF_DEFAULT_ALIGNMENT`, used when `general.alignment` is absent. */
export const DEFAULT_ALIGNMENT = 32;
/** The largest `general.alignment` accepted (writers use 32; a page is 4096). */
export const MAX_ALIGNMENT = 1 << 20;
/** The most metadata entries kept as text for display. */
export const MAX_SHOWN_ENTRIES = 4096;
/** Smallest tensor info: an empty name (8), n_dims (4), type (4), offset (8). */
const MIN_TENSOR_INFO = 24;
/** Smallest metadata entry: an empty key (8), a value type (4), a one-byte value. */
const MIN_ENTRY = 13;

/** A GGUF tensor as stored: its ggml type and dims (ne, fastest-varying first). */
export interface GgufTensor {
  readonly info: TensorInfo;
  readonly type: GgmlType;
  readonly ne: readonly number[];
}

/**
 * A validated GGUF header, presented as a safetensors header (tensors in plain dtypes, shapes
 * outermost first, `start`/`end` the stored bytes) plus what only GGUF has.
 */
export interface GgufHeader extends SafetensorsHeader {
  readonly version: number;
  readonly alignment: number;
  /** Every metadata entry with its typed value (arrays hold their first items only). */
  readonly entries: readonly GgufEntry[];
  /** Stored type and dims of each tensor, by name. */
  readonly stored: ReadonlyMap<string, GgufTensor>;
}

/** True for headers read from a GGUF file. */
export function isGgufHeader(header: SafetensorsHeader): header is GgufHeader {
  return 'stored' in header && 'alignment' in header;
}

/**
 * Parses a GGUF v2/v3 header (ggml/src/gguf.cpp, `gguf_init_from_file_impl`; gguf-py's
 * `GGUFReader` reads the same layout): magic, version u32, tensor count u64, KV count u64, the
 * KV pairs, the tensor infos (name, n_dims u32, ne u64[n_dims], type u32, offset u64), then
 * padding to the alignment where the data section starts. Tensor offsets count from there and
 * must be multiples of the alignment; every tensor must lie inside the file, its size matching
 * its type's blocks, and no two may overlap (gguf-py's writer packs them in order, each padded).
 */
export function parseHeader(cursor: Cursor): GgufHeader {
  const file = cursor.file;
  const magic = cursor.fileSize >= 4 ? cursor.u32('the magic') : -1;
  if (magic !== MAGIC) throw new GgufError('NOT_GGUF', `${file} does not start with the GGUF magic`, file);
  const version = cursor.u32('the version');
  if (version === 1)
    throw new GgufError('UNSUPPORTED_VERSION', 'this is a GGUF version 1 file (32-bit counts, 2023), which is not read; convert it again with a current llama.cpp', file);
  if ((version & 0xffff) === 0 && version !== 0) throw new GgufError('UNSUPPORTED_VERSION', 'this GGUF file is big-endian (written with --bigendian), which is not read', file);
  if (version !== 2 && version !== 3) throw new GgufError('UNSUPPORTED_VERSION', `GGUF version ${version} is not read (versions 2 and 3 are)`, file);
  const tensorCount = cursor.count('the tensor count', MAX_TENSORS);
  const kvCount = cursor.count('the metadata entry count', MAX_KV);
  if (tensorCount * MIN_TENSOR_INFO + kvCount * MIN_ENTRY > cursor.remaining) {
    throw new GgufError('PAST_END', `the header lists ${tensorCount} tensors and ${kvCount} metadata entries, more than the ${cursor.remaining} bytes left in the file`, file);
  }
  const entries = readEntries(cursor, kvCount);
  const alignment = alignmentOf(entries, file);
  const infos = readTensorInfos(cursor, tensorCount);
  const headerLength = cursor.position;
  const dataStart = Math.ceil(headerLength / alignment) * alignment;
  // gguf-py pads after the tensor infos even when there are none; a file without tensors needs no data section.
  if (infos.length > 0 && dataStart > cursor.fileSize)
    throw new GgufError('PAST_END', `the data section would start at byte ${dataStart}, past the end of the file (${cursor.fileSize} bytes)`, file);
  const tensors = placeTensors(infos, dataStart, alignment, cursor.fileSize, file);
  const metadata: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const entry of entries.slice(0, MAX_SHOWN_ENTRIES)) metadata[entry.key] = valueText(entry.value);
  const list = tensors.map((t) => t.info);
  return {
    file,
    fileSize: cursor.fileSize,
    headerLength,
    dataStart,
    metadata: { ...metadata },
    tensors: list,
    byName: new Map(list.map((t) => [t.name, t])),
    version,
    alignment,
    entries,
    stored: new Map(tensors.map((t) => [t.info.name, t])),
  };
}

function readEntries(cursor: Cursor, count: number): GgufEntry[] {
  const entries: GgufEntry[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const key = cursor.string(`the key of metadata entry ${i}`, MAX_NAME_BYTES);
    if (seen.has(key)) throw new GgufError('DUPLICATE_KEY', `metadata key ${JSON.stringify(key)} appears twice`, cursor.file);
    seen.add(key);
    const { type, value } = readTypedValue(cursor, `metadata entry ${JSON.stringify(key)}`);
    entries.push({ key, type, value });
  }
  return entries;
}

/** `general.alignment`: a u32 power of two (gguf.cpp refuses any other type or value). */
function alignmentOf(entries: readonly GgufEntry[], file: string): number {
  const entry = entries.find((e) => e.key === 'general.alignment');
  if (!entry) return DEFAULT_ALIGNMENT;
  const value = entry.value;
  if (entry.type !== 'UINT32' || typeof value !== 'number') throw new GgufError('INVALID_METADATA', `general.alignment is a ${entry.type}; it must be a UINT32`, file);
  if (value === 0 || (value & (value - 1)) !== 0 || value > MAX_ALIGNMENT) {
    throw new GgufError('INVALID_METADATA', `general.alignment is ${value}; it must be a power of two of at most ${MAX_ALIGNMENT}`, file);
  }
  return value;
}

interface RawInfo {
  readonly name: string;
  readonly ne: number[];
  readonly type: GgmlType;
  readonly offset: bigint;
}

function readTensorInfos(cursor: Cursor, count: number): RawInfo[] {
  const infos: RawInfo[] = [];
  const seen = new Set<string>();
  const file = cursor.file;
  for (let i = 0; i < count; i++) {
    const name = cursor.string(`the name of tensor ${i}`, MAX_NAME_BYTES);
    if (seen.has(name)) throw new GgufError('DUPLICATE_TENSOR', `tensor ${JSON.stringify(name)} is listed twice`, file, name);
    seen.add(name);
    const dims = cursor.u32(`the dimension count of tensor ${JSON.stringify(name)}`);
    if (dims > MAX_DIMS) throw new GgufError('INVALID_SHAPE', `tensor ${JSON.stringify(name)} has ${dims} dimensions; ggml allows at most ${MAX_DIMS}`, file, name);
    const ne: number[] = [];
    let elements = 1;
    for (let d = 0; d < dims; d++) {
      const n = cursor.count(`dimension ${d} of tensor ${JSON.stringify(name)}`, Number.MAX_SAFE_INTEGER);
      elements *= n;
      if (!Number.isSafeInteger(elements)) throw new GgufError('INVALID_SHAPE', `tensor ${JSON.stringify(name)} has more elements than can be counted exactly`, file, name);
      ne.push(n);
    }
    const id = cursor.u32(`the type of tensor ${JSON.stringify(name)}`);
    const type = ggmlType(id);
    if (!type) throw new GgufError('UNKNOWN_TYPE', `tensor ${JSON.stringify(name)} has ggml type ${id}, which this reader does not know`, file, name);
    const offset = cursor.u64(`the offset of tensor ${JSON.stringify(name)}`);
    infos.push({ name, ne, type, offset });
  }
  return infos;
}

function placeTensors(infos: readonly RawInfo[], dataStart: number, alignment: number, fileSize: number, file: string): GgufTensor[] {
  const placed: GgufTensor[] = [];
  for (const raw of infos) {
    const { name, ne, type } = raw;
    const quoted = JSON.stringify(name);
    const rowLength = ne.length > 0 ? ne[0] : 1;
    if (rowLength % type.blockSize !== 0) {
      throw new GgufError('INVALID_SHAPE', `tensor ${quoted} has rows of ${rowLength} values, not a whole number of ${type.name} blocks of ${type.blockSize}`, file, name);
    }
    const elements = ne.reduce((a, b) => a * b, 1);
    const bytes = (elements / type.blockSize) * type.typeSize;
    if (raw.offset % BigInt(alignment) !== 0n)
      throw new GgufError('MISALIGNED', `tensor ${quoted} is at data offset ${raw.offset}, not a multiple of the alignment ${alignment}`, file, name);
    if (raw.offset > BigInt(fileSize) || dataStart + Number(raw.offset) + bytes > fileSize) {
      throw new GgufError(
        'INVALID_OFFSETS',
        `tensor ${quoted} (${type.name}, ${bytes} bytes at data offset ${raw.offset}) runs past the end of the file (${fileSize} bytes)`,
        file,
        name,
      );
    }
    const start = dataStart + Number(raw.offset);
    const shape = [...ne].reverse();
    placed.push({ info: { name, dtype: type.plain ?? 'F32', shape, elements, start, end: start + bytes }, type, ne });
  }
  const byStart = placed.filter((t) => t.info.end > t.info.start).sort((a, b) => a.info.start - b.info.start);
  let reach: TensorInfo | null = null;
  for (const { info } of byStart) {
    if (reach && info.start < reach.end) {
      throw new GgufError(
        'OVERLAP',
        `tensors ${JSON.stringify(reach.name)} (bytes ${reach.start}–${reach.end}) and ${JSON.stringify(info.name)} (from byte ${info.start}) overlap`,
        file,
        info.name,
      );
    }
    if (!reach || info.end > reach.end) reach = info;
  }
  return placed;
}
