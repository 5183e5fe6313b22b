import type { FileHandle } from 'node:fs/promises';
import { fileChangedMessage, fileChanges, identityOf, type FileIdentity } from '../container/fileIdentity';
import type { ContainerKind, ElementRange, TensorSource } from '../container/source';
import { openRegularFile, READ_CHUNK_BYTES, readFully } from '../io/readFile';
import { decodeFloat32, decodeFloat64 } from '../safetensors/decode';
import type { TensorInfo } from '../safetensors/types';
import { Cursor, NeedMoreBytes } from './cursor';
import { BLOCK_VALUES, dequantizeBlocks, isBlockTypeName } from './dequantize';
import { GgufError } from './errors';
import { parseHeader, type GgufHeader, type GgufTensor } from './header';

/** The first read of a header; most adapters' headers fit, a model's vocabulary needs more. */
const FIRST_READ_BYTES = 1 << 20;
/** The longest header (metadata and tensor infos) read; a 256k-token vocabulary is ~10 MB. */
export const MAX_HEADER_BYTES = 256 * 1024 * 1024;
/** Blocks dequantized per step, so a tensor of any size needs only this much scratch memory. */
const BLOCKS_PER_STEP = 1 << 16;

/**
 * An open GGUF file as a TensorSource: the header validated on open, tensors read on demand at
 * their offsets. Float and integer tensors are presented in their own dtype; the block types
 * (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1) as F32, dequantized on read in bounded steps.
 */
export class GgufFile implements TensorSource {
  readonly container: ContainerKind = 'gguf';
  private closed = false;

  private constructor(
    private readonly handle: FileHandle,
    readonly header: GgufHeader,
    private readonly identity: FileIdentity,
  ) {}

  /** Opens and validates a file; throws GgufError (or FileReadError when it cannot be opened). */
  static async open(path: string): Promise<GgufFile> {
    const handle = await openRegularFile(path, 'the weights file');
    try {
      // What the file is as opened: assertUnchanged compares against it.
      const opened = identityOf(await handle.stat());
      return new GgufFile(handle, await readHeader(handle, path), opened);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async readBytes(tensor: TensorInfo | string, range?: ElementRange, target?: Uint8Array): Promise<Uint8Array> {
    const stored = this.stored(tensor);
    const { start, count } = this.checkRange(stored.info, range);
    const width = stored.type.blockSize === 1 ? stored.type.typeSize : 4;
    const length = count * width;
    const out = target && target.length >= length ? target.subarray(0, length) : this.inMemory(stored.info, () => new Uint8Array(length));
    if (stored.type.blockSize === 1) await this.readAt(out, stored.info.start + start * width, stored.info.name);
    else await this.dequantizeInto(stored, start, count, out);
    return out;
  }

  async streamBytes(tensor: TensorInfo | string, consume: (chunk: Uint8Array) => Promise<void>, chunkBytes = READ_CHUNK_BYTES): Promise<void> {
    const stored = this.stored(tensor);
    const width = stored.type.blockSize === 1 ? stored.type.typeSize : 4;
    const step = stored.type.blockSize === 1 ? 1 : BLOCK_VALUES;
    const perChunk = Math.max(step, Math.floor(Math.max(1, chunkBytes) / width / step) * step);
    const buffer = new Uint8Array(Math.min(perChunk, Math.max(1, stored.info.elements)) * width);
    for (let start = 0; start < stored.info.elements; start += perChunk) {
      const count = Math.min(perChunk, stored.info.elements - start);
      await consume(await this.readBytes(stored.info, { start, count }, buffer));
    }
  }

  async readFloat64(tensor: TensorInfo | string, range?: ElementRange): Promise<Float64Array> {
    const info = this.stored(tensor).info;
    const bytes = await this.readBytes(info, range);
    return this.inMemory(info, () => decodeFloat64(bytes, info.dtype, range?.count ?? info.elements, info.name, this.header.file));
  }

  async readFloat32(tensor: TensorInfo | string, range?: ElementRange): Promise<Float32Array> {
    const info = this.stored(tensor).info;
    const bytes = await this.readBytes(info, range);
    return this.inMemory(info, () => decodeFloat32(bytes, info.dtype, range?.count ?? info.elements, info.name, this.header.file));
  }

  /** Throws FILE_CHANGED when the file is no longer the one opened (container/fileIdentity.ts). */
  async assertUnchanged(): Promise<void> {
    if (this.closed) throw new GgufError('IO_ERROR', 'the file is closed', this.header.file);
    let what: string | null;
    try {
      what = await fileChanges(this.header.file, this.handle, this.identity);
    } catch (error) {
      throw new GgufError('IO_ERROR', `cannot read ${this.header.file}: ${(error as Error).message}`, this.header.file);
    }
    if (what) throw new GgufError('FILE_CHANGED', fileChangedMessage(this.header.file, what), this.header.file);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }

  /** Dequantizes elements [start, start + count) into `out` as little-endian float32. */
  private async dequantizeInto(stored: GgufTensor, start: number, count: number, out: Uint8Array): Promise<void> {
    const { type, info } = stored;
    if (!type.plain || !isBlockTypeName(type.name)) {
      throw new GgufError('UNSUPPORTED_TYPE', `tensor ${JSON.stringify(info.name)} is stored as ${type.name}, which this reader does not dequantize`, this.header.file, info.name);
    }
    const first = Math.floor(start / BLOCK_VALUES);
    const end = Math.ceil((start + count) / BLOCK_VALUES);
    const steps = Math.min(BLOCKS_PER_STEP, end - first);
    const raw = new Uint8Array(steps * type.typeSize);
    const values = new Float32Array(steps * BLOCK_VALUES);
    const valueBytes = new Uint8Array(values.buffer);
    let written = 0;
    for (let block = first; block < end; block += steps) {
      const blocks = Math.min(steps, end - block);
      const src = raw.subarray(0, blocks * type.typeSize);
      await this.readAt(src, info.start + block * type.typeSize, info.name);
      dequantizeBlocks(type.name, src, blocks, values, 0);
      const from = Math.max(start, block * BLOCK_VALUES) - block * BLOCK_VALUES;
      const to = Math.min(start + count, (block + blocks) * BLOCK_VALUES) - block * BLOCK_VALUES;
      out.set(valueBytes.subarray(from * 4, to * 4), written);
      written += (to - from) * 4;
    }
  }

  private checkRange(info: TensorInfo, range: ElementRange | undefined): ElementRange {
    if (!range) return { start: 0, count: info.elements };
    const { start, count } = range;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 0 || start + count > info.elements) {
      throw new GgufError(
        'INVALID_RANGE',
        `elements ${start}…${start + count} are not inside tensor ${JSON.stringify(info.name)} (${info.elements} elements)`,
        this.header.file,
        info.name,
      );
    }
    return range;
  }

  private stored(tensor: TensorInfo | string): GgufTensor {
    const name = typeof tensor === 'string' ? tensor : tensor.name;
    const stored = this.header.stored.get(name);
    if (!stored) throw new GgufError('TENSOR_NOT_FOUND', `no tensor named ${JSON.stringify(name)} in the file`, this.header.file, name);
    return stored;
  }

  /** Runs an allocation of a tensor's size; past memory or V8's array limit it is TENSOR_TOO_LARGE. */
  private inMemory<T>(info: TensorInfo, allocate: () => T): T {
    try {
      return allocate();
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      throw new GgufError(
        'TENSOR_TOO_LARGE',
        `tensor ${JSON.stringify(info.name)} ([${info.shape.join(', ')}]) is too large to hold in memory here: ${error.message}`,
        this.header.file,
        info.name,
      );
    }
  }

  private async readAt(target: Uint8Array, position: number, tensor: string): Promise<void> {
    if (this.closed) throw new GgufError('IO_ERROR', 'the file is closed', this.header.file, tensor);
    let done: number;
    try {
      done = await readFully(this.handle, target, position);
    } catch (error) {
      throw new GgufError('IO_ERROR', `reading tensor ${JSON.stringify(tensor)} failed: ${(error as Error).message}`, this.header.file, tensor);
    }
    if (done < target.length) {
      throw new GgufError(
        'MISSING_BYTES',
        `the file ended after ${position + done} bytes while reading tensor ${JSON.stringify(tensor)} (was it truncated since it was opened?)`,
        this.header.file,
        tensor,
      );
    }
  }
}

/** Opens a GGUF file (header only). */
export function openGguf(path: string): Promise<GgufFile> {
  return GgufFile.open(path);
}

/** Reads the header, reading more of the file while a field lies past what was read. */
async function readHeader(handle: FileHandle, path: string): Promise<GgufHeader> {
  let size: number;
  try {
    size = (await handle.stat()).size;
  } catch (error) {
    throw new GgufError('IO_ERROR', `cannot read ${path}: ${(error as Error).message}`, path);
  }
  let window = Math.min(size, FIRST_READ_BYTES);
  for (;;) {
    const bytes = new Uint8Array(window);
    let done: number;
    try {
      done = await readFully(handle, bytes, 0);
    } catch (error) {
      throw new GgufError('IO_ERROR', `reading the header of ${path} failed: ${(error as Error).message}`, path);
    }
    try {
      return parseHeader(new Cursor(bytes.subarray(0, done), done < window ? done : size, path));
    } catch (error) {
      if (!(error instanceof NeedMoreBytes)) throw error;
      if (error.upTo > MAX_HEADER_BYTES) throw new GgufError('HEADER_TOO_LARGE', `the header runs past ${MAX_HEADER_BYTES} bytes, more than this reader holds`, path);
      window = Math.min(size, MAX_HEADER_BYTES, Math.max(error.upTo, window * 2));
    }
  }
}
