import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from '../errors';
import { disposeBackends } from './backends';
import type { HostToWorker, JobKind, WorkerToHost } from './protocol';
import type { JobDefinition } from './definition';
import { JOBS } from './registry';

/**
 * The analysis thread: runs the registry's jobs and streams their progress to the client. Device
 * products go to the ORT worker it owns. The client's thread only receives results, so it never
 * stalls. `workerData.ortWorker` names the ORT worker's script (default: beside this one).
 */
const port = parentPort;
if (!port) throw new Error('the analysis worker must run in a worker thread');
const ortWorker = (workerData as { ortWorker?: string } | null)?.ortWorker ?? join(__dirname, 'ortWorker.js');
const jobs = new Map<number, { isCancellationRequested: boolean }>();
const running = new Set<Promise<void>>();

port.on('message', (message: HostToWorker) => {
  switch (message.type) {
    case 'cancel': {
      const token = jobs.get(message.job);
      if (token) token.isCancellationRequested = true;
      return;
    }
    case 'shutdown':
      void shutdown();
      return;
    case 'run': {
      const job = run(message.job, message.kind, message.input);
      running.add(job);
      void job.finally(() => running.delete(job));
    }
  }
});

/** Runs one job: progress messages while it works, then one `result` (or `error`) message. */
async function run(job: number, kind: JobKind, input: unknown): Promise<void> {
  const token = { isCancellationRequested: false };
  jobs.set(job, token);
  const started = performance.now();
  let outcome: WorkerToHost;
  try {
    const definition = JOBS[kind] as JobDefinition<JobKind> | undefined;
    if (!definition) throw new Error(`the analysis worker has no job '${String(kind)}'`);
    const output = await definition.run(input as never, { token, ortWorker, progress: (progress) => post({ type: 'progress', job, progress }) });
    outcome = { type: 'result', job, seconds: (performance.now() - started) / 1000, output };
  } catch (error) {
    outcome = { type: 'error', job, error: serializeError(error) };
  }
  jobs.delete(job);
  post(outcome);
}

async function shutdown(): Promise<void> {
  for (const token of jobs.values()) token.isCancellationRequested = true;
  await Promise.allSettled([...running]);
  await disposeBackends();
  port?.close();
}

function post(message: WorkerToHost): void {
  port?.postMessage(message);
}
