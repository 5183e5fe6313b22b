import type { JobOutcome, JobRunner, RunOptions } from './client';
import { disposeBackends } from './backends';
import type { JobDefinition } from './definition';
import type { JobInput, JobKind } from './protocol';
import { JOBS } from './registry';

/**
 * The job registry run on the calling thread. A one-shot process (the command-line tool) has
 * nothing else for its main thread to do, so it runs its jobs here rather than in the analysis
 * worker: that saves the worker's start and its own parse of the bundle (about 0.1 s of an 8B
 * adapter's `inspect`, see docs/performance.md). Device products still go to the ORT worker,
 * so reading and decoding overlap them as in the worker. Jobs run one after another in call
 * order, as in JobClient.
 */
export class InProcessJobs implements JobRunner {
  private queue: Promise<unknown> = Promise.resolve();

  /** `ortWorker` is the ORT worker's script (in dist/, beside the bundle). */
  constructor(private readonly ortWorker: string) {}

  run<K extends JobKind>(kind: K, input: JobInput<K>, options: RunOptions<K> = {}): Promise<JobOutcome<K>> {
    const run = this.queue.then(() => this.start(kind, input, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Waits for the last job, then stops the ORT workers, so the process can exit. */
  async dispose(): Promise<void> {
    await this.queue;
    await disposeBackends();
  }

  private async start<K extends JobKind>(kind: K, input: JobInput<K>, options: RunOptions<K>): Promise<JobOutcome<K>> {
    const started = performance.now();
    const definition = JOBS[kind] as JobDefinition<K>;
    const token = options.token ?? { isCancellationRequested: false };
    const output = await definition.run(input, { token, ortWorker: this.ortWorker, progress: (p) => options.onProgress?.(p) });
    return { output, seconds: (performance.now() - started) / 1000 };
  }
}
