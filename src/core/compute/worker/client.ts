import { Worker } from 'node:worker_threads';
import type { ModuleResult } from '../../analysis/analyze';
import { CancelledError, type CancellationToken } from '../../cancellation';
import { deserializeError, WorkerCrashedError } from './errors';
import type { CheckpointSeries } from '../../subspace/checkpoints';
import type { AdapterComparison } from '../../subspace/compare';
import type { CrossLayerMaps } from '../../subspace/crossLayer';
import type { BaseAnalysis } from '../../base/analyzeBase';
import type { BaseJobOptions, BaseJobReport, CompareJobOptions, ComputeOptions, DeviceReport, HostToWorker, SubspaceJob, SubspaceResult, WorkerToHost } from './protocol';

export interface JobCallbacks {
  /** Each module's result as soon as the worker has it, with its index in the adapter's module order. */
  readonly onModule?: (result: ModuleResult, index: number, total: number) => void;
  readonly token?: CancellationToken;
}

/** Callbacks of a subspace job (compare, checkpoints, cross-layer): progress by module, and cancellation. */
export interface SubspaceCallbacks {
  readonly onProgress?: (done: number, total: number, module: string) => void;
  readonly token?: CancellationToken;
}

/** A subspace job's result and how long the worker took. */
export interface SubspaceOutcome<T> {
  readonly result: T;
  readonly seconds: number;
}

export interface JobOutcome {
  /** Results in module order. */
  readonly modules: readonly ModuleResult[];
  readonly seconds: number;
  readonly device: DeviceReport;
}

/** How long a cancelled job may take to stop before the job is settled and its worker retired. */
const CANCEL_GRACE_MS = 2000;
/**
 * How long a retired worker gets to finish its ORT run and stop its threads before it is
 * terminated. Terminating inside an ORT run aborts the whole process, so this is only the last
 * resort for a thread that no longer answers at all; a run over a 16 MB batch takes well under it.
 */
const RETIRE_GRACE_MS = 60_000;
/** How often a job's cancellation token is looked at. */
const TOKEN_POLL_MS = 50;

interface Job {
  readonly id: number;
  readonly token: CancellationToken | undefined;
  /** Takes the worker's messages for this job other than `error`. */
  readonly handle: (message: WorkerToHost) => void;
  resolve(outcome: unknown): void;
  reject(error: Error): void;
}

/**
 * The host's handle on the analysis worker: one long-lived worker thread, one job at a time,
 * results streamed as they come. A job is cancelled through its token (the worker stops between
 * batches; after a grace period the worker is terminated). If the worker crashes, the job fails
 * with the reason and the next job starts a new worker: the host never hangs or crashes.
 */
export class AnalysisClient {
  private worker: Worker | null = null;
  private current: Job | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private nextJob = 1;

  constructor(private readonly script: string) {}

  /** Analyses the adapter at `path` in the worker. Jobs run one after another in call order. */
  analyze(path: string, options: ComputeOptions, callbacks: JobCallbacks = {}): Promise<JobOutcome> {
    const results: ModuleResult[] = [];
    return this.enqueue<JobOutcome>(callbacks.token, (id) => ({ type: 'analyze', job: id, path, options }), (message, resolve) => {
      if (message.type === 'module') {
        results[message.index] = message.result;
        callbacks.onModule?.(message.result, message.index, message.total);
      } else if (message.type === 'done') {
        resolve({ modules: results, seconds: message.seconds, device: message.device });
      }
    });
  }

  /** Compares adapter B with adapter A module by module (compareAdapters), in the worker. */
  async compare(pathA: string, pathB: string, options: CompareJobOptions = {}, callbacks: SubspaceCallbacks = {}): Promise<SubspaceOutcome<AdapterComparison>> {
    const { result, seconds } = await this.subspace({ kind: 'compare', pathA, pathB, options }, callbacks);
    if (result.kind !== 'compare') throw new Error(`the worker answered a compare job with ${result.kind}`);
    return { result: result.comparison, seconds };
  }

  /** The convergence of one run's checkpoints to the final one (checkpointSeries), in the worker. */
  async checkpoints(paths: readonly string[], callbacks: SubspaceCallbacks = {}): Promise<SubspaceOutcome<CheckpointSeries>> {
    const { result, seconds } = await this.subspace({ kind: 'checkpoints', paths }, callbacks);
    if (result.kind !== 'checkpoints') throw new Error(`the worker answered a checkpoints job with ${result.kind}`);
    return { result: result.series, seconds };
  }

  /** Layer × layer maps of one adapter (crossLayerMaps), in the worker. */
  async crossLayer(path: string, callbacks: SubspaceCallbacks = {}): Promise<SubspaceOutcome<CrossLayerMaps>> {
    const { result, seconds } = await this.subspace({ kind: 'crossLayer', path }, callbacks);
    if (result.kind !== 'crossLayer') throw new Error(`the worker answered a cross-layer job with ${result.kind}`);
    return { result: result.maps, seconds };
  }

  /** One adapter against its base model (analyzeAgainstBase), in the worker; progress per module. */
  async base(adapterPath: string, basePath: string, options: BaseJobOptions, callbacks: SubspaceCallbacks = {}): Promise<SubspaceOutcome<{ analysis: BaseAnalysis; base: BaseJobReport }>> {
    const { result, seconds } = await this.subspace({ kind: 'base', adapterPath, basePath, options }, callbacks);
    if (result.kind !== 'base') throw new Error(`the worker answered a base job with ${result.kind}`);
    return { result: { analysis: result.analysis, base: result.base }, seconds };
  }

  private subspace(work: SubspaceJob, callbacks: SubspaceCallbacks): Promise<SubspaceOutcome<SubspaceResult>> {
    return this.enqueue<SubspaceOutcome<SubspaceResult>>(callbacks.token, (id) => ({ type: 'subspace', job: id, work }), (message, resolve) => {
      if (message.type === 'progress') callbacks.onProgress?.(message.done, message.total, message.module);
      else if (message.type === 'result') resolve({ result: message.result, seconds: message.seconds });
    });
  }

  /** Queues a job: jobs run one after another in call order, whatever their kind. */
  private enqueue<T>(token: CancellationToken | undefined, message: (id: number) => HostToWorker, handle: (message: WorkerToHost, resolve: (outcome: T) => void) => void): Promise<T> {
    const run = this.queue.then(() => this.start<T>(token, message, handle));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Cancels the running job and stops the worker once ORT is between runs. */
  async dispose(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.current?.reject(new CancelledError());
    this.current = null;
    if (worker) await retire(worker);
  }

  private start<T>(token: CancellationToken | undefined, message: (id: number) => HostToWorker, handle: (message: WorkerToHost, resolve: (outcome: T) => void) => void): Promise<T> {
    if (token?.isCancellationRequested) return Promise.reject(new CancelledError());
    const worker = this.ensureWorker();
    return new Promise<T>((resolve, reject) => {
      const job: Job = { id: this.nextJob++, token, handle: (m) => handle(m, (outcome) => job.resolve(outcome)), resolve: resolve as (outcome: unknown) => void, reject };
      this.current = job;
      const watch = this.watchToken(job, worker);
      // A running job keeps the process alive; an idle worker does not.
      worker.ref();
      const settle = <T>(f: (value: T) => void) => (value: T) => {
        clearInterval(watch);
        worker.unref();
        if (this.current === job) this.current = null;
        f(value);
      };
      job.resolve = settle(resolve);
      job.reject = settle(reject);
      this.post(worker, message(job.id));
    });
  }

  /** Polls the token: on cancellation asks the worker to stop, and terminates it if it does not. */
  private watchToken(job: Job, worker: Worker): ReturnType<typeof setInterval> {
    let asked = 0;
    const timer = setInterval(() => {
      if (!job.token?.isCancellationRequested) return;
      if (asked === 0) {
        asked = Date.now();
        this.post(worker, { type: 'cancel', job: job.id });
      } else if (Date.now() - asked > CANCEL_GRACE_MS && this.current === job) {
        // The next job gets a fresh worker; this one stops when its current batch is done.
        if (this.worker === worker) this.worker = null;
        job.reject(new CancelledError());
        void retire(worker);
      }
    }, TOKEN_POLL_MS);
    timer.unref();
    return timer;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script);
    worker.on('message', (message: WorkerToHost) => this.receive(message));
    const crashed = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.current?.reject(new WorkerCrashedError(`the analysis worker stopped unexpectedly (${why}); the next analysis starts a new one`));
    };
    worker.on('error', (error) => crashed(error.message));
    worker.on('exit', (code) => crashed(`exit code ${code}`));
    this.worker = worker;
    return worker;
  }

  private receive(message: WorkerToHost): void {
    const job = this.current;
    if (!job || message.job !== job.id) return;
    if (message.type === 'error') job.reject(deserializeError(message.error));
    else job.handle(message);
  }

  private post(worker: Worker, message: HostToWorker): void {
    worker.postMessage(message);
  }
}

/**
 * Asks a worker to cancel its jobs and stop its ORT threads between runs, and waits until it
 * has ended (terminating it only if it does not answer within RETIRE_GRACE_MS).
 */
function retire(worker: Worker): Promise<void> {
  // threadId is -1 once a worker has ended.
  if (worker.threadId < 0) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => void worker.terminate(), RETIRE_GRACE_MS);
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    // Keep the process alive until the worker has stopped its threads cleanly.
    worker.ref();
    const message: HostToWorker = { type: 'shutdown' };
    worker.postMessage(message);
  });
}
