import type { SafetensorsHeader, TensorInfo } from '../safetensors/types';

/** The container a tensor source was read from. */
export type ContainerKind = 'safetensors' | 'pytorch-zip' | 'pytorch-legacy' | 'gguf';

/** A run of elements of a tensor, counted in row-major order. */
export interface ElementRange {
  readonly start: number;
  readonly count: number;
}

/**
 * Where an adapter's tensors come from, whatever the container: every view, comparison and
 * resize reads through this, so a new container is one implementation of it.
 *
 * `header` lists the tensors as presented: each entry's `dtype` is the element type that
 * `readBytes` returns (little-endian, row-major, contiguous), whatever the storage. A container
 * that stores a tensor another way (a strided view of a shared storage, a quantized block type)
 * presents it in a plain dtype and converts on read; `start`/`end` then span the stored bytes
 * in the file, so `end - start` is the tensor's size on disk. Metadata values are untrusted text.
 */
export interface TensorSource {
  readonly container: ContainerKind;
  readonly header: SafetensorsHeader;
  /** The tensor's bytes (or a range of its elements'), in `target` when given and large enough. */
  readBytes(tensor: TensorInfo | string, range?: ElementRange, target?: Uint8Array): Promise<Uint8Array>;
  /** The tensor's bytes in order, in chunks of at most `chunkBytes` (views of one reused buffer). */
  streamBytes(tensor: TensorInfo | string, consume: (chunk: Uint8Array) => Promise<void>, chunkBytes?: number): Promise<void>;
  /** The tensor's values (or a range of them) as float64, row-major. */
  readFloat64(tensor: TensorInfo | string, range?: ElementRange): Promise<Float64Array>;
  /** The tensor's values (or a range of them) as float32, row-major. */
  readFloat32(tensor: TensorInfo | string, range?: ElementRange): Promise<Float32Array>;
  /**
   * Throws a typed error (inputError) when the file changed since it was opened (rewritten in
   * place, truncated, replaced): called before results read from it are handed on. Optional:
   * a source without it is trusted as it stands (see assertUnchanged in ./unchanged).
   */
  assertUnchanged?(): Promise<void>;
  close(): Promise<void>;
}
