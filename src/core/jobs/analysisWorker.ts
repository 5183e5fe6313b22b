import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { Endpoint, type RequestHandlers } from '../../protocol/endpoint';
import { serializeError } from '../errors';
import { disposeBackends } from './backends';
import type { ClientNotifications, JobKind, JobRequests, WorkerNotifications } from './protocol';
import type { JobDefinition } from './definition';
import { JOBS } from './registry';

/**
 * The analysis thread: answers the client's job requests over the Endpoint and streams their
 * progress as notifications. Device products go to the ORT worker it owns. The client's thread
 * only receives results, so it never stalls. `workerData.ortWorker` names the ORT worker's
 * script (default: beside this one).
 */
const port = parentPort;
if (!port) throw new Error('the analysis worker must run in a worker thread');
const ortWorker = (workerData as { ortWorker?: string } | null)?.ortWorker ?? join(__dirname, 'ortWorker.js');
const tokens = new Set<{ isCancellationRequested: boolean }>();
const running = new Set<Promise<unknown>>();

const endpoint = new Endpoint<WorkerNotifications, ClientNotifications, Record<never, never>, JobRequests>(
  (message) => port.postMessage(message),
  { notifications: { shutdown: () => void shutdown() }, requests: jobHandlers() },
  { encodeError: serializeError },
);
port.on('message', (message: unknown) => endpoint.receive(message));

/** One request handler per job kind of the registry. */
function jobHandlers(): RequestHandlers<JobRequests> {
  const handlers: Partial<Record<JobKind, (params: { readonly job: number; readonly input: unknown }, signal: AbortSignal) => Promise<{ output: unknown; seconds: number }>>> = {};
  for (const kind of Object.keys(JOBS) as JobKind[]) {
    handlers[kind] = (params, signal) => {
      const job = run(kind, params.job, params.input, signal);
      running.add(job);
      void job.catch(() => undefined).finally(() => running.delete(job));
      return job;
    };
  }
  // Each handler's input and output are its kind's entries of the JobKinds table, as the registry types them.
  return handlers as RequestHandlers<JobRequests>;
}

/** Runs one job: progress notifications while it works; its output (or the error it threw) answers the request. */
async function run(kind: JobKind, job: number, input: unknown, signal: AbortSignal): Promise<{ output: unknown; seconds: number }> {
  const token = { isCancellationRequested: signal.aborted };
  const cancel = () => (token.isCancellationRequested = true);
  signal.addEventListener('abort', cancel, { once: true });
  tokens.add(token);
  const started = performance.now();
  try {
    const definition = JOBS[kind] as JobDefinition<JobKind>;
    const output = await definition.run(input as never, { token, ortWorker, progress: (progress) => endpoint.notify('progress', { job, progress }) });
    return { output, seconds: (performance.now() - started) / 1000 };
  } finally {
    tokens.delete(token);
    signal.removeEventListener('abort', cancel);
  }
}

async function shutdown(): Promise<void> {
  for (const token of tokens) token.isCancellationRequested = true;
  await Promise.allSettled([...running]);
  await disposeBackends();
  port?.close();
}
