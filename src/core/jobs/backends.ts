import type { ComputeBackend } from '../compute/backend';
import { chooseBackendKind } from '../compute/backendPolicy';
import { JsBackend } from '../compute/jsBackend';
import type { ComputeOptions, DeviceReport } from '../compute/worker/protocol';
import { WorkerOrtBackend } from '../compute/worker/workerOrtBackend';

/**
 * Long-lived ORT workers, one per device setting: sessions are created once and serve every
 * later job of this analysis worker.
 */
const ortBackends = new Map<string, WorkerOrtBackend>();

/** A job's backend, and why `auto` kept JS when onnxruntime could not load. */
export interface JobBackend {
  readonly backend: ComputeBackend;
  readonly note?: string;
}

/**
 * The backend for a job that reads `bytes` of factors, as the one policy decides
 * (chooseBackendKind): JS, or the long-lived ORT worker (`ortWorker` is its script) for the
 * device asked. An impossible request (CUDA that cannot run) throws its coded error here.
 */
export function backendFor(bytes: number, options: ComputeOptions, ortWorker: string): JobBackend {
  const decision = chooseBackendKind(options, bytes);
  if (decision.backend === 'js') return decision.note === undefined ? { backend: new JsBackend() } : { backend: new JsBackend(), note: decision.note };
  const key = backendKey(decision.device, options.threads);
  let backend = ortBackends.get(key);
  if (!backend) {
    backend = new WorkerOrtBackend(ortWorker, { device: decision.device, ...(options.threads ? { threads: options.threads } : {}) });
    ortBackends.set(key, backend);
  }
  return { backend };
}

/**
 * Starts, without waiting for it, the ORT worker that a large job with these options would use,
 * so its onnxruntime load and first sessions are done before that job comes: the backend stays
 * in the table and backendFor returns it. Nothing starts when the options keep JS for every
 * size, or when onnxruntime cannot load (the reason is returned; the job then says it too).
 */
export function warmBackend(options: ComputeOptions, ortWorker: string): 'starting' | 'not used' | { readonly unavailable: string } {
  let chosen: JobBackend;
  try {
    chosen = backendFor(Number.MAX_SAFE_INTEGER, options, ortWorker);
  } catch (error) {
    return { unavailable: error instanceof Error ? error.message : String(error) };
  }
  if (!(chosen.backend instanceof WorkerOrtBackend)) return chosen.note === undefined ? 'not used' : { unavailable: chosen.note };
  // A start that fails here fails again, with its coded error, in the job that needs the device.
  chosen.backend.start().catch(() => undefined);
  return 'starting';
}

/** The long-lived ORT backend for onnxruntime work with these options, when one was started. */
export function startedOrtBackend(options: ComputeOptions): WorkerOrtBackend | undefined {
  return ortBackends.get(backendKey(options.device, options.threads));
}

/** The table's key: one ORT worker per device and thread count. */
function backendKey(device: string, threads: number | undefined): string {
  return `${device} ${threads ?? ''}`;
}

/**
 * Ends a job's use of its backend: the long-lived ORT worker is kept for later jobs once its
 * outstanding run is over (a cancelled job may leave one), the JS backend holds nothing.
 */
export async function release(backend: ComputeBackend): Promise<void> {
  if (backend instanceof WorkerOrtBackend) await backend.idle();
  else await backend.dispose();
}

/** Decides the device before any work, so an impossible one fails now and the report names it. */
export async function startBackend(backend: ComputeBackend): Promise<void> {
  if (backend instanceof WorkerOrtBackend) await backend.start();
}

/** The device report at the end of a job. */
export function deviceReport(chosen: JobBackend): DeviceReport {
  if (chosen.backend instanceof WorkerOrtBackend) return chosen.backend.report;
  return { backend: chosen.backend.name, ...(chosen.note ? { fallbackReason: chosen.note } : {}) };
}

/** Stops the ORT workers (when the analysis worker itself is told to stop). */
export async function disposeBackends(): Promise<void> {
  const all = [...ortBackends.values()];
  ortBackends.clear();
  await Promise.all(all.map((b) => b.dispose()));
}
