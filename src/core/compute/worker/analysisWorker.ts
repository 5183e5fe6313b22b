import { parentPort } from 'node:worker_threads';
import { openAdapter, type OpenedAdapter } from '../../adapter/load';
import { analyzeAdapter } from '../../analysis/analyze';
import type { ComputeBackend } from '../backend';
import { chooseBackend } from './chooseBackend';
import { serializeError, type DeviceReport, type HostToWorker, type WorkerToHost } from './protocol';
import { WorkerOrtBackend } from './workerOrtBackend';

/**
 * The analysis thread: opens the adapter, reads and decodes factors, finishes every spectrum,
 * and streams each module's result to the host as soon as it is known. Device products go to
 * the ORT worker it owns. The host's thread only receives results, so it never stalls.
 */
const port = parentPort;
if (!port) throw new Error('the analysis worker must run in a worker thread');
const jobs = new Map<number, { isCancellationRequested: boolean }>();

port.on('message', (message: HostToWorker) => {
  if (message.type === 'cancel') {
    const token = jobs.get(message.job);
    if (token) token.isCancellationRequested = true;
    return;
  }
  void run(message);
});

async function run(message: Extract<HostToWorker, { type: 'analyze' }>): Promise<void> {
  const { job } = message;
  const token = { isCancellationRequested: false };
  jobs.set(job, token);
  let opened: OpenedAdapter | undefined;
  let backend: ComputeBackend | undefined;
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
    post({ type: 'done', job, seconds: analysis.seconds, device: report(backend, chosen.note) });
  } catch (error) {
    post({ type: 'error', job, error: serializeError(error) });
  } finally {
    jobs.delete(job);
    await opened?.file.close();
    // ORT workers are kept for later jobs; the JS backend holds nothing.
    if (backend && !(backend instanceof WorkerOrtBackend)) await backend.dispose();
  }
}

function report(backend: ComputeBackend, note?: string): DeviceReport {
  if (backend instanceof WorkerOrtBackend) return backend.report;
  return { backend: backend.name, ...(note ? { fallbackReason: note } : {}) };
}

function post(message: WorkerToHost): void {
  port?.postMessage(message);
}
