import { Worker } from 'node:worker_threads';
import { CancelledError, type CancellationToken } from '../cancellation';
import { Endpoint, type WireError } from '../../protocol/endpoint';
import { deserializeError, LensError, registerLensError } from '../errors';
// Loads every coded class a job may throw, so deserializeError rebuilds each as its own class.
import './knownErrors';
import type { ClientNotifications, JobInput, JobKind, JobOutput, JobProgress, JobRequests, WorkerNotifications } from './protocol';

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

/** The client's side of the Endpoint: it sends job requests and `shutdown`, and hears progress. */
type ClientEndpoint = Endpoint<ClientNotifications, WorkerNotifications, JobRequests, Record<never, never>>;

/** One worker thread and the Endpoint over its messages. */
interface Connection {
  readonly worker: Worker;
  readonly endpoint: ClientEndpoint;
}

interface Job {
  readonly id: number;
  readonly progress: (progress: unknown) => void;
  reject(error: Error): void;
}

/**
 * The host's handle on the analysis worker: one long-lived worker thread, one job at a time,
 * results streamed as they come, all over the typed Endpoint. A job is cancelled through its
 * token: the Endpoint's cancel reaches the job, and the request stays pending until the worker
 * answers (the worker is only ever stopped between ORT runs); after a grace period the job is
 * settled and the worker retired. If the worker crashes, the job fails with the reason and the
 * next job starts a new worker: the host never hangs or crashes.
 */
export class JobClient implements JobRunner {
  private connection: Connection | null = null;
  private current: Job | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private nextJob = 1;
  /** Bumped by dispose: jobs queued before it are cancelled rather than started on a new worker. */
  private generation = 0;

  /**
   * `script` is the analysis worker's bundle; `ortWorker` the ORT worker's (default: beside it,
   * as in dist/).
   */
  constructor(
    private readonly script: string,
    private readonly ortWorker?: string,
  ) {}

  /** The running worker thread, if any. */
  get worker(): Worker | null {
    return this.connection?.worker ?? null;
  }

  /**
   * Runs one job of the registry in the worker. Jobs run one after another in call order,
   * whatever their kind; a coded error thrown in the worker arrives as its own class.
   */
  run<K extends JobKind>(kind: K, input: JobInput<K>, options: RunOptions<K> = {}): Promise<JobOutcome<K>> {
    const generation = this.generation;
    const run = this.queue.then(() => (generation === this.generation ? this.start(kind, input, options) : Promise.reject(new CancelledError())));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Cancels the running job and stops the worker once ORT is between runs. */
  async dispose(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    this.generation++;
    this.current?.reject(new CancelledError());
    this.current = null;
    if (connection) await retire(connection);
  }

  private start<K extends JobKind>(kind: K, input: JobInput<K>, options: RunOptions<K>): Promise<JobOutcome<K>> {
    if (options.token?.isCancellationRequested) return Promise.reject(new CancelledError());
    const connection = this.ensureWorker();
    return new Promise<JobOutcome<K>>((resolve, reject) => {
      const controller = new AbortController();
      const job: Job = { id: this.nextJob++, progress: guardedProgress(options.onProgress), reject };
      this.current = job;
      const watch = this.watchToken(job, options.token, controller, connection);
      // A running job keeps the process alive; an idle worker does not.
      connection.worker.ref();
      // The first answer settles the job; a late one (the retired worker's own reply to a job already
      // given up) must not unref a worker that retire() holds until it has stopped.
      let settled = false;
      const settle =
        <T>(f: (value: T) => void) =>
        (value: T) => {
          if (settled) return;
          settled = true;
          clearInterval(watch);
          connection.worker.unref();
          if (this.current === job) this.current = null;
          f(value);
        };
      job.reject = settle(reject);
      // The method's parameter and result types are the JobKinds table's entries for `kind`,
      // which TypeScript cannot narrow through the generic K.
      const params = { job: job.id, input } as never;
      connection.endpoint.request(kind, params, { signal: controller.signal, settleOnCancel: true }).then((outcome) => settle(resolve)(outcome as JobOutcome<K>), job.reject);
    });
  }

  /**
   * Polls the token: on cancellation cancels the request (the worker answers once the job has
   * stopped), and retires the worker if it does not answer within the grace period.
   */
  private watchToken(job: Job, token: CancellationToken | undefined, controller: AbortController, connection: Connection): ReturnType<typeof setInterval> {
    let asked = 0;
    const timer = setInterval(() => {
      if (!token?.isCancellationRequested) return;
      if (asked === 0) {
        asked = Date.now();
        controller.abort();
      } else if (Date.now() - asked > CANCEL_GRACE_MS && this.current === job) {
        // The next job gets a fresh worker; this one stops when its current batch is done.
        if (this.connection === connection) this.connection = null;
        job.reject(new CancelledError());
        void retire(connection);
      }
    }, TOKEN_POLL_MS);
    timer.unref();
    return timer;
  }

  private ensureWorker(): Connection {
    if (this.connection) return this.connection;
    const worker = new Worker(this.script, { workerData: this.ortWorker === undefined ? {} : { ortWorker: this.ortWorker } });
    const endpoint: ClientEndpoint = new Endpoint(
      (message) => worker.postMessage(message),
      {
        notifications: { progress: ({ job, progress }) => (this.current?.id === job ? this.current.progress(progress) : undefined) },
        requests: {},
      },
      { decodeError },
    );
    const connection: Connection = { worker, endpoint };
    worker.on('message', (message: unknown) => endpoint.receive(message));
    const crashed = (why: string) => {
      if (this.connection !== connection) return;
      this.connection = null;
      endpoint.dispose(new WorkerCrashedError(`the analysis worker stopped unexpectedly (${why}); the next analysis starts a new one`));
    };
    worker.on('error', (error) => crashed(error.message));
    worker.on('exit', (code) => crashed(`exit code ${code}`));
    this.connection = connection;
    return connection;
  }
}

/** A failed request's error as its own class; the Endpoint's own errors (no class name) as WorkerJobError. */
function decodeError(error: WireError): Error {
  return deserializeError({ ...error, name: error.name ?? 'Error' });
}

/**
 * Asks a worker to cancel its jobs and stop its ORT threads between runs, and waits until it
 * has ended (terminating it only if it does not answer within RETIRE_GRACE_MS).
 */
function retire({ worker, endpoint }: Connection): Promise<void> {
  // threadId is -1 once a worker has ended.
  if (worker.threadId < 0) {
    endpoint.dispose();
    return Promise.resolve();
  }
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => void worker.terminate(), RETIRE_GRACE_MS);
    worker.once('exit', () => {
      clearTimeout(timer);
      endpoint.dispose();
      resolve();
    });
    // Keep the process alive until the worker has stopped its threads cleanly.
    worker.ref();
    endpoint.notify('shutdown', null);
  });
}

/**
 * The caller's progress callback, called from the worker's message handler: a throw there would
 * escape into the event loop (an uncaught exception) and the job would never settle. A callback
 * that throws is reported once as a process warning and not called again for this job; the job
 * itself goes on and settles as it would have.
 */
function guardedProgress<K extends JobKind>(onProgress: ((progress: JobProgress<K>) => void) | undefined): (progress: unknown) => void {
  let broken = false;
  return (progress) => {
    if (!onProgress || broken) return;
    try {
      onProgress(progress as JobProgress<K>);
    } catch (error) {
      broken = true;
      process.emitWarning(`a progress callback threw; progress is no longer reported for this job: ${error instanceof Error ? error.message : String(error)}`, {
        code: 'LORA_LENS_PROGRESS_CALLBACK',
      });
    }
  };
}
