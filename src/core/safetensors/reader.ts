import type { Stats } from 'node:fs';
import { stat, type FileHandle } from 'node:fs/promises';
import { identityChanges, identityOf, type FileIdentity } from '../container/fileIdentity';
import type { ContainerKind, ElementRange, TensorSource } from '../container/source';
import { FileReadError, openRegularFile, READ_CHUNK_BYTES, readFully as readChunked } from '../io/readFile';
import { decodeFloat32, decodeFloat64 } from './decode';
import { SafetensorsError } from './errors';
import { checkHeaderLength, parseHeader } from './header';
import { explainFailure, mayBeForeign, SNIFF_BYTES } from './sniff';
import { DTYPE_BITS, type SafetensorsHeader, type TensorInfo } from './types';

export type { ElementRange };

/**
 * An open safetensors file: its validated header, and tensors read on demand at their offsets
 * through one file handle. Only the header is read on open; a file is never read whole.
 */
export class SafetensorsFile implements TensorSource {
  readonly container: ContainerKind = 'safetensors';
  private closed = false;

  private constructor(
    private readonly handle: FileHandle,
    readonly header: SafetensorsHeader,
    private readonly identity: FileIdentity,
  ) {}

  /** Opens and validates a file; throws SafetensorsError (NOT_SAFETENSORS for impostors). */
  static async open(path: string): Promise<SafetensorsFile> {
    let handle: FileHandle;
    try {
      handle = await openRegularFile(path, 'the weights file');
    } catch (error) {
      throw new SafetensorsError('IO_ERROR', error instanceof FileReadError ? error.message : `cannot open ${path}: ${(error as Error).message}`, path);
    }
    try {
      const identity = identityOf(await statHandle(handle, path));
      const header = await readHeaderFrom(handle, path, identity.size);
      return new SafetensorsFile(handle, header, identity);
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
    const bytes = target && target.length >= end - start ? target.subarray(0, end - start) : this.inMemory(info, () => new Uint8Array(end - start));
    await this.readAt(bytes, start, info.name);
    return bytes;
  }

  /**
   * Hands the tensor's raw bytes to `consume` in order, in chunks of at most `chunkBytes`, all
   * views of one reused buffer (copy what must outlive the call): so a tensor of gigabytes is
   * copied without ever being in memory whole. Each chunk is handed over once `consume`'s
   * previous call has resolved.
   */
  async streamBytes(tensor: TensorInfo | string, consume: (chunk: Uint8Array) => Promise<void>, chunkBytes = READ_CHUNK_BYTES): Promise<void> {
    const info = this.info(tensor);
    const buffer = new Uint8Array(Math.max(1, Math.min(chunkBytes, info.end - info.start)));
    for (let position = info.start; position < info.end;) {
      const chunk = buffer.subarray(0, Math.min(buffer.length, info.end - position));
      await this.readAt(chunk, position, info.name);
      await consume(chunk);
      position += chunk.length;
    }
  }

  /** The tensor's values (or a range of them) as float64, row-major. */
  async readFloat64(tensor: TensorInfo | string, range?: ElementRange): Promise<Float64Array> {
    const info = this.info(tensor);
    const bytes = await this.readBytes(info, range);
    return this.inMemory(info, () => decodeFloat64(bytes, info.dtype, range?.count ?? info.elements, info.name, this.header.file));
  }

  /** The tensor's values (or a range of them) as float32, row-major. */
  async readFloat32(tensor: TensorInfo | string, range?: ElementRange): Promise<Float32Array> {
    const info = this.info(tensor);
    const bytes = await this.readBytes(info, range);
    return this.inMemory(info, () => decodeFloat32(bytes, info.dtype, range?.count ?? info.elements, info.name, this.header.file));
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

  /**
   * Throws FILE_CHANGED when the file is no longer the one opened: its handle's size, mtime,
   * ctime or inode differ from the open's (truncated, rewritten, re-extended in place), or its
   * path now names another file (replaced). Call it before results read from the file are
   * handed on; every read already checks the handle.
   */
  async assertUnchanged(): Promise<void> {
    if (this.closed) throw new SafetensorsError('IO_ERROR', 'the file is closed', this.header.file);
    const path = this.header.file;
    let now: Stats;
    try {
      now = await stat(path);
    } catch (error) {
      throw changed(path, `it can no longer be found at its path (${(error as Error).message})`);
    }
    if (now.ino !== this.identity.ino || now.dev !== this.identity.dev) throw changed(path, 'its path now names another file (it was replaced)');
    await this.checkHandle();
  }

  /** FILE_CHANGED when the open handle's size or times differ from the open's. */
  private async checkHandle(tensor?: string): Promise<void> {
    const what = identityChanges(this.identity, identityOf(await statHandle(this.handle, this.header.file)));
    if (what) throw changed(this.header.file, what, tensor);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }

  /**
   * Runs an allocation of a tensor's size: an array past V8's length limit (4 GiB here) or past
   * free memory is TENSOR_TOO_LARGE naming the tensor, not a bare RangeError.
   */
  private inMemory<T>(info: TensorInfo, allocate: () => T): T {
    try {
      return allocate();
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      throw new SafetensorsError(
        'TENSOR_TOO_LARGE',
        `tensor ${JSON.stringify(info.name)} (${info.dtype} [${info.shape.join(', ')}], ${info.end - info.start} bytes) is too large to hold in memory here: ${error.message}`,
        this.header.file,
        info.name,
      );
    }
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
    if (target.length === 0) return;
    await readFully(this.handle, target, position, this.header.file, tensor);
    // Bytes read from a file rewritten since it was opened (zeros where it was truncated and
    // re-extended) are not the tensor: a change shows in the handle's size and times.
    await this.checkHandle(tensor);
  }
}

async function statHandle(handle: FileHandle, path: string): Promise<Stats> {
  try {
    return await handle.stat();
  } catch (error) {
    throw new SafetensorsError('IO_ERROR', `cannot read ${path}: ${(error as Error).message}`, path);
  }
}

function changed(path: string, what: string, tensor?: string): SafetensorsError {
  const when = tensor === undefined ? 'while it was being read' : `while tensor ${JSON.stringify(tensor)} was being read`;
  return new SafetensorsError(
    'FILE_CHANGED',
    `${path} changed ${when}: ${what}; results read from it would not be its contents, so none are given. Run again once the file is no longer being written`,
    path,
    tensor,
  );
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

async function readHeaderFrom(handle: FileHandle, path: string, fileSize: number): Promise<SafetensorsHeader> {
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

/**
 * Fills `target` from `position` in bounded reads (one read of 2 GiB or more would abort Node);
 * a file that ends early, or shrank since it was opened, is MISSING_BYTES.
 */
async function readFully(handle: FileHandle, target: Uint8Array, position: number, file: string, tensor: string | undefined): Promise<void> {
  const what = tensor ? `tensor ${JSON.stringify(tensor)}` : 'the header';
  let done: number;
  try {
    done = await readChunked(handle, target, position);
  } catch (error) {
    throw new SafetensorsError('IO_ERROR', `reading ${what} failed: ${(error as Error).message}`, file, tensor);
  }
  if (done < target.length) {
    throw new SafetensorsError(
      'MISSING_BYTES',
      `the file ended after ${position + done} bytes while reading ${what} (was it truncated or replaced since it was opened?)`,
      file,
      tensor,
    );
  }
}
