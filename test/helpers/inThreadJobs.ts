import { join } from 'node:path';
import type { JobOutcome, JobRunner, RunOptions } from '../../src/core/jobs/client';
import type { JobDefinition } from '../../src/core/jobs/definition';
import type { JobInput, JobKind } from '../../src/core/jobs/protocol';
import { JOBS } from '../../src/core/jobs/registry';

/** The ORT worker's compiled script in the test build. */
export const ORT_WORKER = join(__dirname, '..', '..', 'src', 'core', 'compute', 'worker', 'ortWorker.js');

/**
 * The job registry run on the calling thread, as a JobRunner: what the worker does, minus the
 * thread, so a test can watch the core's functions (spies) while a CLI command runs its jobs.
 */
export const inThreadJobs: JobRunner = {
  async run<K extends JobKind>(kind: K, input: JobInput<K>, options: RunOptions<K> = {}): Promise<JobOutcome<K>> {
    const started = performance.now();
    const definition = JOBS[kind] as JobDefinition<K>;
    const output = await definition.run(input, { token: options.token ?? { isCancellationRequested: false }, ortWorker: ORT_WORKER, progress: (p) => options.onProgress?.(p) });
    return { output, seconds: (performance.now() - started) / 1000 };
  },
  dispose: () => Promise.resolve(),
};
