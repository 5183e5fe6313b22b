import { throwIfCancelled, type CancellationToken } from '../cancellation';
import { readLowRank } from '../analysis/factors';
import { Workspace } from '../analysis/workspace';
import type { ComputeBackend, MappedFactor, TallProduct } from '../compute/backend';
import { encodeBFloat16, encodeFloat16, encodeFloat32, encodeFloat64 } from '../safetensors/encode';
import type { TensorSource } from '../container/source';
import type { ResizableModule } from './prepare';
import { truncationMaps } from './truncate';
import type { FloatDType, PlannedTensor, WrittenModule } from './writePlan';

const ENCODE: Readonly<Record<FloatDType, (values: ArrayLike<number>, target?: Uint8Array) => Uint8Array>> = {
  F64: encodeFloat64,
  F32: encodeFloat32,
  F16: encodeFloat16,
  BF16: encodeBFloat16,
};

/** A module's truncated factors as the backend gave them, and the layout each is stored in. */
interface Truncated {
  A: Pending | null;
  B: Pending | null;
}

interface Pending {
  readonly factor: MappedFactor;
  readonly layout: 'tall' | 'wide';
}

/** Modules [from, to) in progress or done. */
interface Batch {
  readonly from: number;
  readonly to: number;
  readonly done: Promise<Map<number, Truncated>>;
}

/**
 * Pass two of a resize: reads the factors of a run of modules again (about the backend's batch
 * size of them) when the first one's tensor is due, has the backend compute B' = B·T_B and
 * A'ᵀ = Aᵀ·T_A for all of them in one call, and hands out each factor in its stored layout.
 * The next run is read and computed while the current one is encoded and written. Tensors come
 * in module order (writePlan.ts), so at most two runs of factors are in memory.
 */
export class FactorProducer {
  private current: Batch | null = null;
  private next: Batch | null = null;
  private finished = 0;
  private readonly workspaces: Workspace[];
  private batches = 0;
  /** The encoded bytes of one factor at a time: the writer is done with each chunk when `put` resolves. */
  private encoded = new Uint8Array(0);
  /** A factor transposed into its stored layout just before it is encoded, reused like `encoded`. */
  private transposed = new Float64Array(0);

  constructor(
    private readonly file: TensorSource,
    private readonly modules: readonly ResizableModule[],
    private readonly written: readonly WrittenModule[],
    private readonly backend: ComputeBackend,
    private readonly token: CancellationToken | undefined,
    private readonly onProgress: ((done: number, total: number) => void) | undefined,
  ) {
    this.workspaces = [new Workspace(backend.allocator), new Workspace(backend.allocator)];
  }

  async produce(t: PlannedTensor, put: (chunk: Uint8Array) => Promise<void>): Promise<void> {
    throwIfCancelled(this.token);
    if (t.kind === 'alpha') return put(encodeFloat32([t.value]));
    // A copied tensor can be gigabytes (an F32 embedding in modules_to_save): streamed in chunks.
    if (t.kind === 'copy') return this.file.streamBytes(t.source, put);
    const ready = await this.batchOf(t.module);
    const entry = ready.get(t.module);
    const pending = entry?.[t.role];
    if (!entry || !pending) throw new Error(`factor ${t.role} of module ${t.module} was asked for twice or out of order`);
    entry[t.role] = null;
    if (!entry.A && !entry.B) ready.delete(t.module);
    const { factor } = pending;
    if (factor.layout !== pending.layout && this.transposed.length < factor.values.length) this.transposed = new Float64Array(factor.values.length);
    const values = inLayout(factor, pending.layout, this.transposed);
    const bytes = values.length * (t.dtype === 'F64' ? 8 : t.dtype === 'F32' ? 4 : 2);
    if (this.encoded.length < bytes) this.encoded = new Uint8Array(bytes);
    await put(ENCODE[t.dtype](values, this.encoded));
  }

  /** Waits for work still running on the backend (before it is disposed), ignoring its outcome. */
  async settle(): Promise<void> {
    await Promise.allSettled([this.current?.done, this.next?.done]);
  }

  /** The finished run that holds `index`, starting the run after it. */
  private async batchOf(index: number): Promise<Map<number, Truncated>> {
    if (!this.current || index < this.current.from || index >= this.current.to) {
      this.current = this.next && index >= this.next.from && index < this.next.to ? this.next : this.start(index);
      this.next = null;
    }
    const ready = await this.current.done;
    if (!this.next && this.current.to < this.modules.length) this.next = this.start(this.current.to);
    return ready;
  }

  private start(from: number): Batch {
    let to = from;
    let bytes = 0;
    // The stored size of each module's factors decides the run's length before anything is read.
    do {
      const { module } = this.modules[to++];
      bytes += (module.shape[0] + module.shape[1]) * module.rank * (this.backend.input === 'stored' ? 4 : 8);
    } while (to < this.modules.length && bytes < this.backend.batchBytes);
    const done = this.compute(from, to);
    // A rejection is met when the run is due; don't let it count as unhandled meanwhile.
    done.catch(() => {});
    return { from, to, done };
  }

  private async compute(from: number, to: number): Promise<Map<number, Truncated>> {
    const workspace = this.workspaces[this.batches++ % 2];
    workspace.reset();
    const products: TallProduct[] = [];
    for (let index = from; index < to; index++) {
      throwIfCancelled(this.token);
      const { basis, factors } = this.modules[index];
      const { kept, scale } = this.written[index];
      const data = await readLowRank(this.file, factors, this.backend.input, workspace);
      const { TB, TA } = truncationMaps(basis, kept, scale);
      products.push({ factor: data.B, map: TB }, { factor: data.At, map: TA });
    }
    const results = await this.backend.tallProducts(products, this.token);
    const out = new Map<number, Truncated>();
    for (let index = from; index < to; index++) {
      const { names } = this.written[index];
      const [Bp, Atp] = results.slice(2 * (index - from), 2 * (index - from) + 2);
      // A' is stored k×n (A'ᵀ wide) or n×k when transposed; B' is m×k (tall) or k×m when transposed.
      // Transposed when encoded (produce), into one reused buffer: no second copy of each factor is kept.
      out.set(index, { A: { factor: Atp, layout: names.transposedA ? 'tall' : 'wide' }, B: { factor: Bp, layout: names.transposedB ? 'wide' : 'tall' } });
      this.finished++;
      this.onProgress?.(this.modules.length + this.finished, 2 * this.modules.length);
    }
    return out;
  }
}

/**
 * Rows per block of a transposition: a block of 64 rows of up to a few hundred columns stays in
 * cache while it is written, where a plain double loop over a factor of 28672 rows misses the
 * cache on nearly every strided write.
 */
const TRANSPOSE_BLOCK_ROWS = 64;

/**
 * A product's values in the wanted layout: as they are, or transposed (d×k row-major ↔ k×d
 * row-major) into the start of `scratch`, which must hold them. Pure copies: the values are the
 * same whatever the blocking.
 */
function inLayout(f: MappedFactor, layout: 'tall' | 'wide', scratch: Float64Array): Float64Array {
  if (f.layout === layout) return f.values;
  const { rows: d, cols: k, values } = f;
  const out = scratch.subarray(0, d * k);
  for (let start = 0; start < d; start += TRANSPOSE_BLOCK_ROWS) {
    const end = Math.min(d, start + TRANSPOSE_BLOCK_ROWS);
    if (f.layout === 'tall') for (let j = 0; j < k; j++) for (let i = start; i < end; i++) out[j * d + i] = values[i * k + j];
    else for (let j = 0; j < k; j++) for (let i = start; i < end; i++) out[i * k + j] = values[j * d + i];
  }
  return out;
}
