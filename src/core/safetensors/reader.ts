import { open, type FileHandle } from 'node:fs/promises';
import { decodeFloat32, decodeFloat64 } from './decode';
import { SafetensorsError } from './errors';
import { checkHeaderLength, parseHeader } from './header';
import { explainFailure, mayBeForeign, SNIFF_BYTES } from './sniff';
import { DTYPE_BITS, type SafetensorsHeader, type TensorInfo } from './types';

/** A run of elements of a tensor, counted in row-major order. */
export interface ElementRange {
  readonly start: number;
  readonly count: number;
}

/**
 * An open safetensors file: its validated header, and tensors read on demand at their offsets
 * through one file handle. Only the header is read on open; a file is never read whole.
 */
export class SafetensorsFile {
  private closed = false;

  private constructor(
    private readonly handle: FileHandle,
    readonly header: SafetensorsHeader,
  ) {}

  /** Opens and validates a file; throws SafetensorsError (NOT_SAFETENSORS for impostors). */
  static async open(path: string): Promise<SafetensorsFile> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      throw new SafetensorsError('IO_ERROR', `cannot open ${path}: ${(error as Error).message}`, path);
    }
    try {
      const header = await readHeaderFrom(handle, path);
      return new SafetensorsFile(handle, header);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /**
   * The tensor's raw bytes (or a range of its elements') in a fresh buffer of their own, so
   * typed views of them align, or in the start of `target` when it is given and large enough.
   */
  async readBytes(tensor: TensorInfo | string, range?: ElementRange, target?: Uint8Array): Promise<Uint8Array> {
    const info = this.info(tensor);
    const [start, end] = this.byteSpan(info, range);
    const bytes = target && target.length >= end - start ? target.subarray(0, end - start) : new Uint8Array(end - start);
    await this.readAt(bytes, start, info.name);
    return bytes;
  }

  /** The tensor's values (or a range of them) as float64, row-major. */
  async readFloat64(tensor: TensorInfo | string, range?: ElementRange): Promise<Float64Array> {
    const info = this.info(tensor);
    return decodeFloat64(await this.readBytes(info, range), info.dtype, range?.count ?? info.elements, info.name, this.header.file);
  }

  /** The tensor's values (or a range of them) as float32, row-major. */
  async readFloat32(tensor: TensorInfo | string, range?: ElementRange): Promise<Float32Array> {
    const info = this.info(tensor);
    return decodeFloat32(await this.readBytes(info, range), info.dtype, range?.count ?? info.elements, info.name, this.header.file);
  }

  /** Absolute byte span of a tensor or of a whole-byte range of its elements. */
  private byteSpan(info: TensorInfo, range: ElementRange | undefined): [number, number] {
    if (!range) return [info.start, info.end];
    const bits = DTYPE_BITS[info.dtype];
    const { start, count } = range;
    const valid = Number.isSafeInteger(start) && Number.isSafeInteger(count) && start >= 0 && count >= 0 && start + count <= info.elements;
    if (!valid || (start * bits) % 8 !== 0 || (count * bits) % 8 !== 0) {
      throw new SafetensorsError(
        'INVALID_OFFSETS',
        `elements ${start}…${start + count} are not a whole-byte range of tensor ${JSON.stringify(info.name)} (${info.elements} elements)`,
        this.header.file,
        info.name,
      );
    }
    return [info.start + (start * bits) / 8, info.start + ((start + count) * bits) / 8];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }

  private info(tensor: TensorInfo | string): TensorInfo {
    if (typeof tensor !== 'string') return tensor;
    const info = this.header.byName.get(tensor);
    if (!info) throw new SafetensorsError('TENSOR_NOT_FOUND', `no tensor named ${JSON.stringify(tensor)} in the file`, this.header.file, tensor);
    return info;
  }

  /** Fills `target` from `position`, looping over short reads; a file that shrank is an error. */
  private async readAt(target: Uint8Array, position: number, tensor: string): Promise<void> {
    if (this.closed) throw new SafetensorsError('IO_ERROR', 'the file is closed', this.header.file, tensor);
    await readFully(this.handle, target, position, this.header.file, tensor);
  }
}

/** Opens a safetensors file (header only). */
export function openSafetensors(path: string): Promise<SafetensorsFile> {
  return SafetensorsFile.open(path);
}

/** Reads and validates just the header of a file. */
export async function readHeader(path: string): Promise<SafetensorsHeader> {
  const file = await SafetensorsFile.open(path);
  await file.close();
  return file.header;
}

async function readHeaderFrom(handle: FileHandle, path: string): Promise<SafetensorsHeader> {
  let fileSize: number;
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new SafetensorsError('IO_ERROR', `${path} is not a regular file`, path);
    fileSize = stats.size;
  } catch (error) {
    if (error instanceof SafetensorsError) throw error;
    throw new SafetensorsError('IO_ERROR', `cannot read ${path}: ${(error as Error).message}`, path);
  }
  try {
    const prefix = new Uint8Array(Math.min(8, fileSize));
    await readFully(handle, prefix, 0, path, undefined);
    const length = checkHeaderLength(prefix, fileSize, path);
    const json = new Uint8Array(length);
    await readFully(handle, json, 8, path, undefined);
    return parseHeader(json, length, fileSize, path);
  } catch (error) {
    if (!mayBeForeign(error)) throw error;
    const head = new Uint8Array(Math.min(SNIFF_BYTES, fileSize));
    await readFully(handle, head, 0, path, undefined);
    throw explainFailure(error, head, fileSize);
  }
}

async function readFully(handle: FileHandle, target: Uint8Array, position: number, file: string, tensor: string | undefined): Promise<void> {
  let done = 0;
  while (done < target.length) {
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(target, done, target.length - done, position + done));
    } catch (error) {
      throw new SafetensorsError('IO_ERROR', `reading ${tensor ? `tensor ${JSON.stringify(tensor)}` : 'the header'} failed: ${(error as Error).message}`, file, tensor);
    }
    if (bytesRead === 0) {
      throw new SafetensorsError(
        'MISSING_BYTES',
        `the file ended after ${position + done} bytes while reading ${tensor ? `tensor ${JSON.stringify(tensor)}` : 'the header'} (was it truncated or replaced since it was opened?)`,
        file,
        tensor,
      );
    }
    done += bytesRead;
  }
}
