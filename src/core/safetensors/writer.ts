import { randomBytes } from 'node:crypto';
import { access, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
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

/** Bytes a tensor of this dtype and shape takes. */
export function byteLength(dtype: DType, shape: readonly number[]): number {
  return (shape.reduce((a, b) => a * b, 1) * DTYPE_BITS[dtype]) / 8;
}

/**
 * The 8-byte length prefix and JSON header for tensors stored in the given order. The header
 * is padded with spaces to a multiple of 8 bytes, as the reference writer does, so that data
 * starts aligned.
 */
export function encodeHeader(specs: readonly TensorSpec[], metadata?: Readonly<Record<string, string>> | null): Uint8Array {
  // Built entry by entry: JSON.stringify of one object would move integer-like names first.
  const items: string[] = [];
  if (metadata !== undefined) items.push(`"__metadata__":${JSON.stringify(metadata)}`);
  let offset = 0;
  for (const t of specs) {
    const size = byteLength(t.dtype, t.shape);
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

/** A complete safetensors file in memory. */
export function encodeSafetensors(tensors: readonly TensorToWrite[], metadata?: Readonly<Record<string, string>> | null): Uint8Array {
  for (const t of tensors) {
    if (t.data.length !== byteLength(t.dtype, t.shape)) throw new Error(`tensor ${t.name}: ${t.data.length} bytes for shape [${t.shape}] of ${t.dtype}`);
  }
  const header = encodeHeader(tensors, metadata);
  const out = new Uint8Array(header.length + tensors.reduce((a, t) => a + t.data.length, 0));
  out.set(header);
  let offset = header.length;
  for (const t of tensors) {
    out.set(t.data, offset);
    offset += t.data.length;
  }
  return out;
}

export interface WriteOptions {
  /** Replace an existing file; without it an existing target is an error. */
  readonly overwrite?: boolean;
}

/**
 * Writes a file atomically: everything goes to a temporary file beside the target, which is
 * flushed to disk and then renamed over it, so readers never see a half-written file. Refuses
 * to replace an existing file unless `overwrite` is set. `produce` writes each tensor's bytes in
 * order, in as many chunks as it likes (so gigabyte files never sit in memory).
 */
export async function writeSafetensorsAtomic(
  target: string,
  specs: readonly TensorSpec[],
  metadata: Readonly<Record<string, string>> | null | undefined,
  produce: (index: number, write: (chunk: Uint8Array) => Promise<void>) => Promise<void>,
  options: WriteOptions = {},
): Promise<void> {
  if (!options.overwrite && (await exists(target))) throw new Error(`${target} already exists; not overwritten`);
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx');
  try {
    let position = 0;
    const write = async (chunk: Uint8Array) => {
      let done = 0;
      while (done < chunk.length) {
        const { bytesWritten } = await handle.write(chunk, done, chunk.length - done, position + done);
        done += bytesWritten;
      }
      position += chunk.length;
    };
    await write(encodeHeader(specs, metadata));
    const headerEnd = position;
    let expected = headerEnd;
    for (let i = 0; i < specs.length; i++) {
      await produce(i, write);
      expected += byteLength(specs[i].dtype, specs[i].shape);
      if (position !== expected) throw new Error(`tensor ${specs[i].name}: wrote ${position - (expected - byteLength(specs[i].dtype, specs[i].shape))} bytes, expected ${byteLength(specs[i].dtype, specs[i].shape)}`);
    }
    await handle.sync();
    await handle.close();
    if (!options.overwrite && (await exists(target))) throw new Error(`${target} appeared while writing; not overwritten`);
    await rename(temp, target);
  } catch (error) {
    await handle.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
