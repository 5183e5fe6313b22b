import type { FileHandle } from 'node:fs/promises';
import { fileChangedMessage, fileChanges, type FileIdentity } from '../container/fileIdentity';
import type { ContainerKind, ElementRange, TensorSource } from '../container/source';
import { READ_CHUNK_BYTES } from '../io/readFile';
import { decodeFloat32, decodeFloat64 } from '../safetensors/decode';
import type { SafetensorsHeader, TensorInfo } from '../safetensors/types';
import { PickleError } from './errors';
import { allocate, readAt } from './fileRead';
import { gather, isContiguous, type StridedView } from './strided';

/** A tensor of a checkpoint as presented (safetensors dtype, shape) and where its view lies in the file. */
export interface PlacedTensor {
  readonly info: TensorInfo;
  readonly view: StridedView;
}

/**
 * A PyTorch checkpoint's tensors, read on demand from their storages in the file. Each tensor is
 * presented in its storage's dtype; `readBytes` gives its elements row-major and contiguous,
 * gathering them when the view is strided or shares its storage. `start`/`end` span the storage
 * bytes the view touches.
 */
export class PickleSource implements TensorSource {
  private closed = false;
  private readonly views: ReadonlyMap<string, StridedView>;

  constructor(
    readonly container: ContainerKind,
    private readonly handle: FileHandle,
    readonly header: SafetensorsHeader,
    tensors: readonly PlacedTensor[],
    private readonly identity: FileIdentity,
  ) {
    this.views = new Map(tensors.map((t) => [t.info.name, t.view]));
  }

  async readBytes(tensor: TensorInfo | string, range?: ElementRange, target?: Uint8Array): Promise<Uint8Array> {
    const info = this.info(tensor);
    const view = this.views.get(info.name) as StridedView;
    const { start, count } = this.checkRange(info, range);
    const length = count * view.itemBytes;
    const out = target && target.length >= length ? target.subarray(0, length) : allocate(length, this.header.file, info.name);
    if (count === 0) return out;
    if (isContiguous(view.shape, view.stride)) {
      await this.read(out, view.base + (view.offset + start) * view.itemBytes, info.name);
    } else {
      await gather(view, start, count, out, (window, position) => this.read(window, position, info.name));
    }
    return out;
  }

  async streamBytes(tensor: TensorInfo | string, consume: (chunk: Uint8Array) => Promise<void>, chunkBytes = READ_CHUNK_BYTES): Promise<void> {
    const info = this.info(tensor);
    const itemBytes = (this.views.get(info.name) as StridedView).itemBytes;
    const per = Math.max(1, Math.floor(chunkBytes / itemBytes));
    const buffer = allocate(Math.min(per, info.elements) * itemBytes, this.header.file, info.name);
    for (let start = 0; start < info.elements; start += per) {
      const count = Math.min(per, info.elements - start);
      await consume(await this.readBytes(info, { start, count }, buffer));
    }
  }

  async readFloat64(tensor: TensorInfo | string, range?: ElementRange): Promise<Float64Array> {
    const info = this.info(tensor);
    const bytes = await this.readBytes(info, range);
    return decodeFloat64(bytes, info.dtype, range?.count ?? info.elements, info.name, this.header.file);
  }

  async readFloat32(tensor: TensorInfo | string, range?: ElementRange): Promise<Float32Array> {
    const info = this.info(tensor);
    const bytes = await this.readBytes(info, range);
    return decodeFloat32(bytes, info.dtype, range?.count ?? info.elements, info.name, this.header.file);
  }

  /** Throws FILE_CHANGED when the file is no longer the one opened (container/fileIdentity.ts). */
  async assertUnchanged(): Promise<void> {
    if (this.closed) throw new PickleError('IO_ERROR', 'the file is closed', this.header.file);
    let what: string | null;
    try {
      what = await fileChanges(this.header.file, this.handle, this.identity);
    } catch (error) {
      throw new PickleError('IO_ERROR', `cannot read ${this.header.file}: ${(error as Error).message}`, this.header.file);
    }
    if (what) throw new PickleError('FILE_CHANGED', fileChangedMessage(this.header.file, what), this.header.file);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }

  private info(tensor: TensorInfo | string): TensorInfo {
    const name = typeof tensor === 'string' ? tensor : tensor.name;
    const info = this.header.byName.get(name);
    if (!info) throw new PickleError('TENSOR_NOT_FOUND', `no tensor named ${JSON.stringify(name)} in the checkpoint`, this.header.file, name);
    return info;
  }

  private checkRange(info: TensorInfo, range: ElementRange | undefined): ElementRange {
    if (!range) return { start: 0, count: info.elements };
    const { start, count } = range;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 0 || start + count > info.elements) {
      throw new PickleError(
        'TENSOR_OUT_OF_BOUNDS',
        `elements ${start}…${start + count} are not a range of tensor ${JSON.stringify(info.name)} (${info.elements} elements)`,
        this.header.file,
        info.name,
      );
    }
    return range;
  }

  private async read(target: Uint8Array, position: number, tensor: string): Promise<void> {
    if (this.closed) throw new PickleError('IO_ERROR', 'the file is closed', this.header.file, tensor);
    await readAt(this.handle, position, target.length, this.header.file, tensor, target);
  }
}
