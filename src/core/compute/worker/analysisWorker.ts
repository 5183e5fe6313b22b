import { parentPort } from 'node:worker_threads';
import { openAdapter, type OpenedAdapter } from '../../adapter/load';
import { analyzeAdapter } from '../../analysis/analyze';
import type { ComputeBackend } from '../backend';
import { chooseBackend, disposeBackends } from './chooseBackend';
import { serializeError, type DeviceReport, type HostToWorker, type WorkerToHost } from './protocol';
import { runSubspaceJob } from './subspaceJobs';
import { WorkerOrtBackend } from './workerOrtBackend';

/**
 * The analysis thread: opens the adapter, reads and decodes factors, finishes every spectrum,
 * and streams each module's result to the host as soon as it is known. Device products go to
 * the ORT worker it owns. The host's thread only receives results, so it never stalls.
 */
const port = parentPort;
if (!port) throw new Error('the analysis worker must run in a worker thread');
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
    case 'analyze':
    case 'subspace': {
      const job = message.type === 'analyze' ? run(message) : runSubspace(message);
      running.add(job);
      void job.finally(() => running.delete(job));
    }
  }
});

/** A subspace job: progress as modules finish, then one `result` (or `error`) message. */
async function runSubspace(message: Extract<HostToWorker, { type: 'subspace' }>): Promise<void> {
  const { job } = message;
  const token = { isCancellationRequested: false };
  jobs.set(job, token);
  const started = performance.now();
  let outcome: WorkerToHost;
  try {
    const result = await runSubspaceJob(message.work, token, (done, total, module) => post({ type: 'progress', job, done, total, module }));
    outcome = { type: 'result', job, seconds: (performance.now() - started) / 1000, result };
  } catch (error) {
    outcome = { type: 'error', job, error: serializeError(error) };
  }
  jobs.delete(job);
  post(outcome);
}

async function run(message: Extract<HostToWorker, { type: 'analyze' }>): Promise<void> {
  const { job } = message;
  const token = { isCancellationRequested: false };
  jobs.set(job, token);
  let opened: OpenedAdapter | undefined;
  let backend: ComputeBackend | undefined;
  let outcome: WorkerToHost;
  try {
    opened = await openAdapter(message.path);
    const total = opened.adapter.modules.length;
    const chosen = chooseBackend(opened.adapter, message.options, __dirname);
    backend = chosen.backend;
    // Decide the device before any work, so an impossible one fails now and the report names it.
    if (backend instanceof WorkerOrtBackend) await backend.start();
    const analysis = await analyzeAdapter(opened, {
      backend,
      token,
      onModule: (result, index) => post({ type: 'module', job, index, total, result }),
    });
    outcome = { type: 'done', job, seconds: analysis.seconds, device: report(backend, chosen.note) };
  } catch (error) {
    outcome = { type: 'error', job, error: serializeError(error) };
  }
  jobs.delete(job);
  // A cancelled job may leave a batch running in ORT: the job ends when that run has, so the
  // host may end this thread as soon as it hears the job is over (see WorkerOrtBackend.idle).
  if (backend instanceof WorkerOrtBackend) await backend.idle();
  await opened?.file.close().catch(() => undefined);
  // ORT workers are kept for later jobs; the JS backend holds nothing.
  if (backend && !(backend instanceof WorkerOrtBackend)) await backend.dispose();
  post(outcome);
}

async function shutdown(): Promise<void> {
  for (const token of jobs.values()) token.isCancellationRequested = true;
  await Promise.allSettled([...running]);
  await disposeBackends();
  port?.close();
}

function report(backend: ComputeBackend, note?: string): DeviceReport {
  if (backend instanceof WorkerOrtBackend) return backend.report;
  return { backend: backend.name, ...(note ? { fallbackReason: note } : {}) };
}

function post(message: WorkerToHost): void {
  port?.postMessage(message);
}
