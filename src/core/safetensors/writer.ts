import { AtomicWriteError, writeAtomic, type ChunkWriter } from '../io/atomicWrite';
import { SafetensorsError } from './errors';
import { DTYPE_BITS, type DType } from './types';

/** One tensor to write: its bytes must already be in the dtype's little-endian layout. */
export interface TensorToWrite {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

/** A tensor declared up front whose bytes are produced later (streaming writes). */
export interface TensorSpec {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
}

const METADATA_KEY = '__metadata__';

/**
 * Bytes a tensor of this dtype and shape takes. Throws for shapes the reader would refuse
 * (negative or fractional dimensions, sizes past 2^53, sub-byte tensors that end mid-byte), so
 * that nothing written here fails to read back.
 */
export function byteLength(dtype: DType, shape: readonly number[], name = '', file = ''): number {
  let bits = DTYPE_BITS[dtype];
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0)
      throw new SafetensorsError('INVALID_SHAPE', `tensor ${JSON.stringify(name)}: shape [${shape.join(', ')}] has a dimension that is not a non-negative integer`, file, name);
    bits *= d;
    if (!Number.isSafeInteger(bits))
      throw new SafetensorsError('SHAPE_OVERFLOW', `tensor ${JSON.stringify(name)}: shape [${shape.join(', ')}] of ${dtype} is too large`, file, name);
  }
  if (bits % 8 !== 0) throw new SafetensorsError('MISALIGNED', `tensor ${JSON.stringify(name)}: shape [${shape.join(', ')}] of ${dtype} does not fill whole bytes`, file, name);
  return bits / 8;
}

/**
 * The 8-byte length prefix and JSON header for tensors stored in the given order. The header
 * is padded with spaces to a multiple of 8 bytes, as the reference writer does, so that data
 * starts aligned. `__metadata__` is written only when metadata is given (null is omitted, as the
 * reference omits None).
 */
function encodeHeader(specs: readonly TensorSpec[], metadata?: Readonly<Record<string, string>> | null, file = ''): Uint8Array {
  // Built entry by entry: JSON.stringify of one object would move integer-like names first.
  const items: string[] = [];
  if (metadata) items.push(`"${METADATA_KEY}":${JSON.stringify(metadata)}`);
  const seen = new Set<string>();
  let offset = 0;
  for (const t of specs) {
    if (t.name === METADATA_KEY || seen.has(t.name)) {
      const why = t.name === METADATA_KEY ? 'is reserved for metadata' : 'is used twice';
      throw new SafetensorsError('DUPLICATE_KEY', `tensor name ${JSON.stringify(t.name)} ${why}`, file, t.name);
    }
    seen.add(t.name);
    const size = byteLength(t.dtype, t.shape, t.name, file);
    items.push(`${JSON.stringify(t.name)}:${JSON.stringify({ dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] })}`);
    offset += size;
  }
  const json = new TextEncoder().encode(`{${items.join(',')}}`);
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return out;
}

/** A complete safetensors file in memory, data in the given order. */
export function encodeSafetensors(tensors: readonly TensorToWrite[], metadata?: Readonly<Record<string, string>> | null): Uint8Array {
  const header = encodeHeader(tensors, metadata);
  let total = header.length;
  for (const t of tensors) {
    const expected = byteLength(t.dtype, t.shape, t.name);
    if (t.data.length !== expected)
      throw new SafetensorsError(
        'SIZE_MISMATCH',
        `tensor ${JSON.stringify(t.name)}: ${t.data.length} bytes given for shape [${t.shape.join(', ')}] of ${t.dtype}, which takes ${expected}`,
        '',
        t.name,
      );
    total += expected;
  }
  const out = new Uint8Array(total);
  out.set(header);
  let offset = header.length;
  for (const t of tensors) {
    out.set(t.data, offset);
    offset += t.data.length;
  }
  return out;
}

export interface WriteOptions {
  /** Replace an existing file; without it an existing target is a FILE_EXISTS error. */
  readonly overwrite?: boolean;
}

/**
 * Writes a safetensors file atomically and durably (../io/atomicWrite: a temporary file beside
 * the target, fsynced, renamed into place, the directory fsynced), so readers never see a
 * half-written file and a failed write leaves the old one intact. Without `overwrite`, an
 * existing target is refused (FILE_EXISTS), also when it appears while writing. `produce`
 * writes each tensor's bytes in order, in as many chunks as it likes (so gigabyte files never
 * sit in memory); a tensor given the wrong number of bytes fails with SIZE_MISMATCH and nothing
 * is written.
 */
export async function writeSafetensorsAtomic(
  target: string,
  specs: readonly TensorSpec[],
  metadata: Readonly<Record<string, string>> | null | undefined,
  produce: (index: number, write: ChunkWriter) => Promise<void>,
  options: WriteOptions = {},
): Promise<void> {
  const header = encodeHeader(specs, metadata, target);
  try {
    await writeAtomic(target, (write) => writeContents(write, target, header, specs, produce), { overwrite: options.overwrite === true });
  } catch (error) {
    if (error instanceof AtomicWriteError) throw new SafetensorsError(error.code, error.message, target);
    throw error;
  }
}

/**
 * A safetensors file's contents as a chunked producer, for a write that is one file of a set
 * (../io/outputSet): the header is encoded (and checked) now, the tensors' bytes when it runs.
 */
export function safetensorsContents(
  target: string,
  specs: readonly TensorSpec[],
  metadata: Readonly<Record<string, string>> | null | undefined,
  produce: (index: number, write: ChunkWriter) => Promise<void>,
): (write: ChunkWriter) => Promise<void> {
  const header = encodeHeader(specs, metadata, target);
  return (write) => writeContents(write, target, header, specs, produce);
}

/**
 * Convenience for tensors already in memory: the same atomic write, one chunk per tensor.
 */
export function writeTensorsAtomic(
  target: string,
  tensors: readonly TensorToWrite[],
  metadata?: Readonly<Record<string, string>> | null,
  options: WriteOptions = {},
): Promise<void> {
  return writeSafetensorsAtomic(target, tensors, metadata, (index, write) => write(tensors[index].data), options);
}

/** The header, then each tensor's bytes, each checked against its declared size. */
async function writeContents(
  sink: ChunkWriter,
  target: string,
  header: Uint8Array,
  specs: readonly TensorSpec[],
  produce: (index: number, write: ChunkWriter) => Promise<void>,
): Promise<void> {
  let position = 0;
  const write = async (chunk: Uint8Array): Promise<void> => {
    await sink(chunk);
    position += chunk.length;
  };
  await write(header);
  for (let i = 0; i < specs.length; i++) {
    const t = specs[i];
    const start = position;
    const expected = byteLength(t.dtype, t.shape, t.name, target);
    await produce(i, write);
    if (position - start !== expected) {
      throw new SafetensorsError(
        'SIZE_MISMATCH',
        `tensor ${JSON.stringify(t.name)}: wrote ${position - start} bytes, expected ${expected} for shape [${t.shape.join(', ')}] of ${t.dtype}`,
        target,
        t.name,
      );
    }
  }
}
