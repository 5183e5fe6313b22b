import { SafetensorsError } from './errors';
import { parseHeaderJson } from './headerJson';
import { JsonSyntaxError } from './json';
import { explainFailure, mayBeForeign, SNIFF_BYTES } from './sniff';
import { DTYPE_BITS, type DType, type SafetensorsHeader, type TensorInfo } from './types';

/** The reference implementation's limit on the JSON header's length. */
export const MAX_HEADER_LENGTH = 100_000_000;

const METADATA_KEY = '__metadata__';

/**
 * The fields every entry must have. Other fields are ignored, as the reference crate's serde
 * derive ignores them: a file the reference loads is not refused here.
 */
const ENTRY_FIELDS: readonly string[] = ['dtype', 'shape', 'data_offsets'];

/**
 * Validates the 8-byte length prefix against the file size and returns N. The prefix is a
 * little-endian u64, read exactly (as a BigInt) so that no huge value wraps into a small one.
 */
export function checkHeaderLength(prefix: Uint8Array, fileSize: number, file: string): number {
  if (prefix.length < 8 || fileSize < 8)
    throw new SafetensorsError('FILE_TOO_SMALL', `${fileSize} bytes is too short for a safetensors file (the header length alone takes 8)`, file);
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_LENGTH)) throw new SafetensorsError('HEADER_TOO_LARGE', `the header claims ${n} bytes, over the ${MAX_HEADER_LENGTH}-byte limit`, file);
  const length = Number(n);
  if (8 + length > fileSize) throw new SafetensorsError('HEADER_PAST_END', `the header claims ${length} bytes but the file has only ${fileSize - 8} after the length prefix`, file);
  return length;
}

/**
 * Validates a whole safetensors file held in memory, exactly as the file reader does (length
 * prefix, header, layout, and NOT_SAFETENSORS with what the bytes really are when the first
 * checks fail). For buffers that came from elsewhere (a webview, a download); files on disk go
 * through `readHeader`, which never reads the tensor data.
 */
export function parseSafetensorsBytes(bytes: Uint8Array, file: string): SafetensorsHeader {
  try {
    const length = checkHeaderLength(bytes.subarray(0, 8), bytes.length, file);
    return parseHeader(bytes.subarray(8, 8 + length), length, bytes.length, file);
  } catch (error) {
    if (mayBeForeign(error)) throw explainFailure(error, bytes.subarray(0, SNIFF_BYTES), bytes.length);
    throw error;
  }
}

/**
 * Validates a header's JSON bytes as the reference implementation does: UTF-8, one JSON
 * object (surrounding whitespace allowed), no duplicate keys, optional string→string (or null)
 * `__metadata__`, and entries whose byte ranges match their dtype and shape, tile the data
 * area from 0 without gaps or overlaps, and end exactly at the end of the file.
 */
export function parseHeader(json: Uint8Array, headerLength: number, fileSize: number, file: string): SafetensorsHeader {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(json);
  } catch {
    throw new SafetensorsError('HEADER_NOT_UTF8', 'the header is not valid UTF-8', file);
  }
  let parsed: ReturnType<typeof parseHeaderJson>;
  try {
    parsed = parseHeaderJson(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError && error.duplicate !== undefined) throw duplicateKeyError(error.duplicate, error.path, file);
    throw new SafetensorsError('HEADER_NOT_JSON', `the header is not JSON: ${(error as Error).message}`, file);
  }
  if (parsed.root !== 'object') throw new SafetensorsError('HEADER_NOT_OBJECT', 'the header is JSON but not an object', file);

  const dataStart = 8 + headerLength;
  let metadata: Record<string, string> | null = null;
  const tensors: TensorInfo[] = [];
  for (const [name, value] of parsed.entries) {
    if (name === METADATA_KEY) metadata = parseMetadata(value, file);
    else tensors.push(parseEntry(name, value, dataStart, file));
  }
  checkLayout(tensors, dataStart, fileSize, file);
  const byName = new Map(tensors.map((t) => [t.name, t]));
  return { file, fileSize, headerLength, dataStart, metadata, tensors, byName };
}

/** Names the tensor whose entry repeats a key (or the repeated tensor name itself). */
function duplicateKeyError(key: string, path: readonly string[], file: string): SafetensorsError {
  if (path.length === 0) return new SafetensorsError('DUPLICATE_KEY', `the header names ${JSON.stringify(key)} twice`, file, key === METADATA_KEY ? undefined : key);
  const where = path[0] === METADATA_KEY ? METADATA_KEY : `the entry of tensor ${JSON.stringify(path[0])}`;
  const inner =
    path.length > 1
      ? ` (inside ${path
          .slice(1)
          .map((k) => JSON.stringify(k))
          .join(' → ')})`
      : '';
  return new SafetensorsError('DUPLICATE_KEY', `${where} has the key ${JSON.stringify(key)} twice${inner}`, file, path[0] === METADATA_KEY ? undefined : path[0]);
}

/** A JSON object's own entries, or null for anything else (arrays, null, scalars). */
function objectEntries(value: unknown): [string, unknown][] | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  return Object.keys(value).map((k) => [k, (value as Record<string, unknown>)[k]]);
}

/** An own field of a parsed JSON object (never one inherited from Object.prototype). */
function field(value: object, key: string): unknown {
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

function parseMetadata(value: unknown, file: string): Record<string, string> | null {
  if (value === null) return null;
  const entries = objectEntries(value);
  if (!entries) throw new SafetensorsError('INVALID_METADATA', '__metadata__ must be an object of strings (or null)', file);
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, v] of entries) {
    if (typeof v !== 'string') throw new SafetensorsError('INVALID_METADATA', `__metadata__ value for ${JSON.stringify(key)} is not a string`, file);
    out[key] = v;
  }
  return out;
}

function parseEntry(name: string, value: unknown, dataStart: number, file: string): TensorInfo {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new SafetensorsError('INVALID_ENTRY', `entry ${JSON.stringify(name)} is not an object`, file, name);
  const dtype = field(value, 'dtype');
  const shape = field(value, 'shape');
  const offsets = field(value, 'data_offsets');
  if (dtype === undefined || shape === undefined || offsets === undefined) {
    const missing = ENTRY_FIELDS.filter((k) => field(value, k) === undefined);
    throw new SafetensorsError('INVALID_ENTRY', `entry ${JSON.stringify(name)} lacks ${missing.join(', ')}`, file, name);
  }
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BITS, dtype)) {
    throw new SafetensorsError('UNKNOWN_DTYPE', `tensor ${JSON.stringify(name)} has unknown dtype ${JSON.stringify(dtype)}`, file, name);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw new SafetensorsError('INVALID_SHAPE', `tensor ${JSON.stringify(name)} has shape ${jsonText(shape)}; dimensions must be non-negative integers`, file, name);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw new SafetensorsError('INVALID_OFFSETS', `tensor ${JSON.stringify(name)} has data_offsets ${jsonText(offsets)}; expected [begin, end]`, file, name);
  }
  const [begin, end] = offsets as number[];
  if (begin > end) throw new SafetensorsError('INVALID_OFFSETS', `tensor ${JSON.stringify(name)} ends (${end}) before it begins (${begin})`, file, name);
  const dims = shape as number[];
  const bits = DTYPE_BITS[dtype as DType];
  let elements = 1;
  for (const d of dims) {
    elements *= d;
    if (!Number.isSafeInteger(elements)) throw new SafetensorsError('SHAPE_OVERFLOW', `tensor ${JSON.stringify(name)}: shape [${dims.join(', ')}] overflows`, file, name);
  }
  const totalBits = elements * bits;
  if (!Number.isSafeInteger(totalBits))
    throw new SafetensorsError('SHAPE_OVERFLOW', `tensor ${JSON.stringify(name)}: shape [${dims.join(', ')}] of ${dtype} overflows`, file, name);
  if (totalBits % 8 !== 0)
    throw new SafetensorsError('MISALIGNED', `tensor ${JSON.stringify(name)}: ${elements} ${dtype} elements take ${totalBits} bits, not whole bytes`, file, name);
  if (totalBits / 8 !== end - begin) {
    throw new SafetensorsError(
      'SIZE_MISMATCH',
      `tensor ${JSON.stringify(name)}: shape [${dims.join(', ')}] of ${dtype} needs ${totalBits / 8} bytes but data_offsets span ${end - begin}`,
      file,
      name,
    );
  }
  return { name, dtype: dtype as DType, shape: dims, elements, start: dataStart + begin, end: dataStart + end };
}

/** Sorted by offset, tensors must tile [0, last end) exactly, and the file must end there. */
function checkLayout(tensors: readonly TensorInfo[], dataStart: number, fileSize: number, file: string): void {
  const sorted = [...tensors].sort((a, b) => a.start - b.start || a.end - b.end);
  let position = dataStart;
  for (const t of sorted) {
    if (t.start !== position) {
      const what = t.start < position ? 'overlaps the tensor before it' : `leaves a gap of ${t.start - position} bytes before it`;
      throw new SafetensorsError(
        'NOT_CONTIGUOUS',
        `tensor ${JSON.stringify(t.name)} ${what} (data_offsets begin ${t.start - dataStart}, expected ${position - dataStart})`,
        file,
        t.name,
      );
    }
    position = t.end;
  }
  if (position < fileSize) throw new SafetensorsError('TRAILING_BYTES', `the file has ${fileSize - position} bytes after the last tensor`, file);
  if (position > fileSize) throw new SafetensorsError('MISSING_BYTES', `the file ends ${position - fileSize} bytes before the last tensor's data does (truncated download?)`, file);
}

function isCount(x: unknown): boolean {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** A short JSON rendering of a parsed value for messages. */
function jsonText(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
