import { Worker } from 'node:worker_threads';
import { CancelledError, type CancellationToken } from '../cancellation';
import { deserializeError, LensError, registerLensError } from '../errors';
// Loads every coded class a job may throw, so deserializeError rebuilds each as its own class.
import './knownErrors';
import type { HostToWorker, JobInput, JobKind, JobOutput, JobProgress, WorkerToHost } from './protocol';

/** How a caller follows a job: cancellation and progress. */
export interface RunOptions<K extends JobKind> {
  readonly token?: CancellationToken;
  readonly onProgress?: (progress: JobProgress<K>) => void;
}

/** A job's output and how long the worker took. */
export interface JobOutcome<K extends JobKind> {
  readonly output: JobOutput<K>;
  readonly seconds: number;
}

/** What runs jobs: the worker's client, or (in tests) the registry called on the calling thread. */
export interface JobRunner {
  run<K extends JobKind>(kind: K, input: JobInput<K>, options?: RunOptions<K>): Promise<JobOutcome<K>>;
  dispose(): Promise<void>;
}

/** The analysis worker stopped in the middle of a job (crash, out of memory, killed). */
export class WorkerCrashedError extends LensError {
  override readonly name = 'WorkerCrashedError';
  readonly code = 'WORKER_CRASHED';
  readonly inputError = false;
}
registerLensError('WorkerCrashedError', WorkerCrashedError);

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
export class JobClient implements JobRunner {
  private worker: Worker | null = null;
  private current: Job | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private nextJob = 1;

  /**
   * `script` is the analysis worker's bundle; `ortWorker` the ORT worker's (default: beside it,
   * as in dist/).
   */
  constructor(
    private readonly script: string,
    private readonly ortWorker?: string,
  ) {}

  /**
   * Runs one job of the registry in the worker. Jobs run one after another in call order,
   * whatever their kind; a coded error thrown in the worker arrives as its own class.
   */
  run<K extends JobKind>(kind: K, input: JobInput<K>, options: RunOptions<K> = {}): Promise<JobOutcome<K>> {
    return this.enqueue<JobOutcome<K>>(options.token, (id) => ({ type: 'run', job: id, kind, input }), (message, resolve) => {
      if (message.type === 'progress') options.onProgress?.(message.progress as JobProgress<K>);
      else if (message.type === 'result') resolve({ output: message.output as JobOutput<K>, seconds: message.seconds });
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
    const worker = new Worker(this.script, { workerData: this.ortWorker === undefined ? {} : { ortWorker: this.ortWorker } });
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
