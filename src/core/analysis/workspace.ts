import type { FactorAllocator } from '../compute/backend';

/**
 * Reusable buffers for one analysis run. Large typed arrays allocated afresh for every module
 * come from new pages of memory, and the page faults cost more than decoding the factors
 * (measured: ~4 ns per float64 element, against ~0.6 ns for the copy itself). The workspace
 * keeps a pool of buffers grown to the largest sizes seen and hands out views of them in order;
 * `reset` starts handing them out again, so the views of one batch of modules are valid until
 * the next batch begins.
 */
export class Workspace {
  /**
   * @param values where factor values go when a backend takes them over (its buffers are
   * transferred away with each batch); without it, the workspace's own pool.
   */
  constructor(private readonly values?: FactorAllocator) {}

  private bytesBuffer = new Uint8Array(0);
  private readonly floats64: Float64Array[] = [];
  private readonly floats32: Float32Array[] = [];
  private next64 = 0;
  private next32 = 0;

  /** Starts a new batch: buffers handed out before may be handed out again. */
  reset(): void {
    this.next64 = 0;
    this.next32 = 0;
  }

  /** A view of `length` bytes for one read (contents undefined; valid until the next call). */
  bytes(length: number): Uint8Array {
    if (this.bytesBuffer.length < length) this.bytesBuffer = new Uint8Array(grown(length));
    return this.bytesBuffer.subarray(0, length);
  }

  /** The next float64 buffer of this batch, `length` values (contents undefined). */
  float64(length: number): Float64Array {
    return take(this.floats64, this.next64++, length, (n) => new Float64Array(n));
  }

  /** The next float32 buffer of this batch, `length` values (contents undefined). */
  float32(length: number): Float32Array {
    return take(this.floats32, this.next32++, length, (n) => new Float32Array(n));
  }

  /** A buffer for a factor's values: the backend's when it takes them over, else the pool's. */
  factor32(length: number): Float32Array {
    return this.values ? this.values.float32(length) : this.float32(length);
  }
}

function take<T extends Float64Array | Float32Array>(pool: T[], index: number, length: number, make: (n: number) => T): T {
  if (!pool[index] || pool[index].length < length) pool[index] = make(grown(length));
  return pool[index].subarray(0, length) as T;
}

/** Grows by at least an eighth, so a run of slowly increasing sizes does not reallocate each time. */
function grown(length: number): number {
  return Math.max(length, Math.ceil(length * 1.125));
}
