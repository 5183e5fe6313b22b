import { Worker } from 'node:worker_threads';
import { throwIfCancelled, type CancellationToken } from '../../cancellation';
import type { Matrix } from '../../linalg/matrix';
import type { ComputeBackend, FactorAllocator, FactorPair, GroupOverlap, MappedFactor, PairOverlap, TallFactor, TallProduct } from '../backend';
import { deserializeError } from '../../errors';
import type { DeviceReport, FromOrtWorker, OrtWorkerData, ToOrtWorker } from './protocol';

interface Pending {
  resolve(value: FromOrtWorker): void;
  reject(error: Error): void;
}

/**
 * The ORT backend seen from the analysis thread: the same contract, served by the ORT worker.
 * A call posts the factors (copied at once, so the caller's buffers are free again) and
 * resolves when the worker answers; the analysis reads the next batch meanwhile. If the worker
 * dies, every outstanding call fails with the reason, and the next call starts a new worker.
 */
export class WorkerOrtBackend implements ComputeBackend {
  readonly input = 'stored';
  readonly batchBytes = 16 * 1024 * 1024;
  /**
   * Factor values are decoded into buffers from here, transferred (not copied) to the ORT worker
   * with each call, and handed back with its answer for reuse: no copies on either thread and
   * no fresh pages for every batch.
   */
  readonly allocator: FactorAllocator = {
    float32: (length) => new Float32Array(this.take(length * 4), 0, length),
    float64: (length) => new Float64Array(this.take(length * 8), 0, length),
  };
  private free: ArrayBuffer[] = [];
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private nextId = 1;
  private last: DeviceReport = { backend: 'onnxruntime (not started)' };

  constructor(
    private readonly script: string,
    private readonly options: OrtWorkerData,
  ) {}

  get name(): string {
    return this.last.backend;
  }

  /** The device report of the last answer. */
  get report(): DeviceReport {
    return this.last;
  }

  async triangularFactors(factors: readonly TallFactor[], token?: CancellationToken): Promise<Matrix[]> {
    throwIfCancelled(token);
    const buffers = [...new Set(factors.map((f) => f.values.buffer))].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
    const answer = await this.request((id) => ({ type: 'factors', id, factors }), buffers);
    if (answer.type !== 'factors') throw new Error(`the ORT worker answered ${answer.type} to a factors request`);
    for (const buffer of answer.buffers) this.free.push(buffer);
    return [...answer.R];
  }

  async pairOverlaps(pairs: readonly FactorPair[], token?: CancellationToken): Promise<PairOverlap[]> {
    throwIfCancelled(token);
    const buffers = [...new Set(pairs.flatMap((p) => [p.first.values.buffer, p.second.values.buffer]))].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
    const answer = await this.request((id) => ({ type: 'overlaps', id, pairs }), buffers);
    if (answer.type !== 'overlaps') throw new Error(`the ORT worker answered ${answer.type} to an overlaps request`);
    for (const buffer of answer.buffers) this.free.push(buffer);
    return [...answer.overlaps];
  }

  async groupOverlaps(groups: readonly (readonly TallFactor[])[], token?: CancellationToken): Promise<GroupOverlap[]> {
    throwIfCancelled(token);
    const buffers = [...new Set(groups.flat().map((f) => f.values.buffer))].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
    const answer = await this.request((id) => ({ type: 'groups', id, groups }), buffers);
    if (answer.type !== 'groups') throw new Error(`the ORT worker answered ${answer.type} to a groups request`);
    for (const buffer of answer.buffers) this.free.push(buffer);
    return [...answer.overlaps];
  }

  async tallProducts(products: readonly TallProduct[], token?: CancellationToken): Promise<MappedFactor[]> {
    throwIfCancelled(token);
    const buffers = [...new Set(products.map((p) => p.factor.values.buffer))].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
    const answer = await this.request((id) => ({ type: 'products', id, products }), buffers);
    if (answer.type !== 'products') throw new Error(`the ORT worker answered ${answer.type} to a products request`);
    for (const buffer of answer.buffers) this.free.push(buffer);
    return [...answer.products];
  }

  /** A free buffer of at least `bytes` (the smallest that fits), or a new one. */
  private take(bytes: number): ArrayBuffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const size = this.free[i].byteLength;
      if (size >= bytes && (best < 0 || size < this.free[best].byteLength)) best = i;
    }
    if (best < 0) return new ArrayBuffer(bytes);
    const [buffer] = this.free.splice(best, 1);
    return buffer;
  }

  /** Starts ORT and decides the provider now (for `info` and for reporting before work). */
  async start(): Promise<DeviceReport> {
    await this.request((id) => ({ type: 'info', id }));
    return this.last;
  }

  /**
   * Resolves once no request is outstanding. ORT's run() cannot be interrupted, and a worker
   * ended inside one takes the whole process down (the binding throws into a torn-down
   * environment and C++ aborts), so the ORT worker is only ever ended between runs.
   */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Ends the ORT worker once its outstanding runs are over (see `idle`). */
  async dispose(): Promise<void> {
    await this.idle();
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }

  private request(make: (id: number) => ToOrtWorker, transfer: ArrayBuffer[] = []): Promise<FromOrtWorker> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    const answer = new Promise<FromOrtWorker>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage(make(id), transfer);
    });
    const done = (): void => void this.inFlight.delete(settled);
    const settled: Promise<void> = answer.then(done, done);
    this.inFlight.add(settled);
    return answer;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script, { workerData: this.options });
    worker.on('message', (message: FromOrtWorker) => {
      const p = this.pending.get(message.id);
      if (!p) return;
      this.pending.delete(message.id);
      if (message.type === 'error') return p.reject(deserializeError(message.error));
      this.last = message.device;
      p.resolve(message);
    });
    const fail = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = null;
      for (const p of this.pending.values()) p.reject(new Error(`the ORT worker stopped: ${why}`));
      this.pending.clear();
    };
    worker.on('error', (error) => fail(error.message));
    worker.on('exit', (code) => fail(`exit code ${code}`));
    this.worker = worker;
    return worker;
  }
}
