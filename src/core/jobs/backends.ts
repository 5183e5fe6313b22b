import { stat } from 'node:fs/promises';
import { resolveWeightsFile } from '../adapter/resolve';
import type { ComputeBackend } from '../compute/backend';
import { chooseBackendKind, decideBackend, type BackendDecision, type OrtAvailability } from '../compute/backendPolicy';
import { JsBackend } from '../compute/jsBackend';
import { OrtUnavailableError } from '../compute/ort/runtime';
import type { ComputeOptions, DeviceReport } from '../compute/worker/protocol';
import { WorkerOrtBackend } from '../compute/worker/workerOrtBackend';

/**
 * Long-lived ORT workers, one per device setting: sessions are created once and serve every
 * later job of this analysis worker.
 */
const ortBackends = new Map<string, WorkerOrtBackend>();

/**
 * Why onnxruntime cannot load, by ORT worker script, once a worker's start found out: the addon
 * does not appear later in the same process, so later jobs take JS at once instead of each
 * booting a worker that fails the same way.
 */
const ortUnavailable = new Map<string, string>();

/** What is known of onnxruntime for this worker script before starting it. */
function knownAvailability(ortWorker: string): OrtAvailability {
  const reason = ortUnavailable.get(ortWorker);
  return reason === undefined ? { available: true } : { available: false, reason };
}

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
  return backendOf(chooseBackendKind(options, bytes), options, ortWorker);
}

/** The decision's backend: a new JS one, or the table's ORT worker for its device (made on first use). */
function backendOf(decision: BackendDecision, options: ComputeOptions, ortWorker: string): JobBackend {
  if (decision.backend === 'js') return decision.note === undefined ? { backend: new JsBackend() } : { backend: new JsBackend(), note: decision.note };
  const key = backendKey(decision.device, options.threads);
  let backend = ortBackends.get(key);
  if (!backend) {
    backend = new WorkerOrtBackend(ortWorker, { device: decision.device, ...(options.threads ? { threads: options.threads } : {}) });
    ortBackends.set(key, backend);
  }
  return { backend };
}

/** A job's backend, started: `ready` settles once it runs, with the backend the job ends on. */
export interface StartingBackend {
  readonly chosen: JobBackend;
  /**
   * `chosen` once started; JS with the reason when `auto` chose onnxruntime and its addon cannot
   * load (that ORT worker is dropped); rejects with the policy's coded error for an explicit
   * request that cannot run, or with the worker's own failure.
   */
  readonly ready: Promise<JobBackend>;
}

/**
 * The backend for a job that reads `bytes` of factors, as backendFor picks it, started without
 * waiting, so reading and decoding go on while an ORT worker boots (its thread, the addon, its
 * first session). Whether onnxruntime loads is learnt from that worker's start rather than by
 * loading the addon on this thread first: the two loads contend, and on 2 cores this thread's
 * load took 40–200 ms beside the worker's (it is the worker that needs the addon).
 */
export function startBackendFor(bytes: number, options: ComputeOptions, ortWorker: string): StartingBackend {
  let chosen: JobBackend;
  try {
    chosen = backendOf(decideBackend(options, bytes, knownAvailability(ortWorker)), options, ortWorker);
  } catch (error) {
    // An explicit request that is known not to run: it fails as a failed start would.
    return { chosen: { backend: new JsBackend() }, ready: Promise.reject(error) };
  }
  const { backend } = chosen;
  if (!(backend instanceof WorkerOrtBackend)) return { chosen, ready: Promise.resolve(chosen) };
  const ready = backend.start().then(
    () => chosen,
    (error: unknown) => {
      if (!(error instanceof OrtUnavailableError)) throw error;
      ortUnavailable.set(ortWorker, error.message);
      dropOrtBackend(backend);
      // The policy with the reason: `auto` keeps JS and says why; an explicit request throws its coded error.
      return backendOf(decideBackend(options, bytes, { available: false, reason: error.message }), options, ortWorker);
    },
  );
  return { chosen, ready };
}

/**
 * Starts, without waiting and without loading the addon on this thread, the ORT worker that a
 * job with these options would use once it reads at least `bytes` of factors (a request for
 * onnxruntime or CUDA by name: any size). Nothing starts when the policy keeps JS for that size.
 * A worker whose addon cannot load stays in the table until a job's start drops it (see
 * startBackendFor), and that job then says why.
 */
export function startOrtWorker(options: ComputeOptions, ortWorker: string, bytes = Number.MAX_SAFE_INTEGER): void {
  let decision: BackendDecision;
  try {
    decision = decideBackend(options, bytes, knownAvailability(ortWorker));
  } catch {
    // An impossible request fails, with its coded error, in the job itself.
    return;
  }
  const { backend } = backendOf(decision, options, ortWorker);
  // A start that fails here fails again, with its coded error, in the job that needs the device.
  if (backend instanceof WorkerOrtBackend) backend.start().catch(() => undefined);
}

/**
 * Takes an ORT worker whose addon cannot load out of the table, so no later job gets it; the
 * job that started it ends it (release), once its requests are answered.
 */
function dropOrtBackend(backend: WorkerOrtBackend): void {
  for (const [key, b] of ortBackends) if (b === backend) ortBackends.delete(key);
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
  const kept = backend instanceof WorkerOrtBackend && [...ortBackends.values()].includes(backend);
  // A worker dropped from the table (its addon cannot load) is ended here, or it would keep the process alive.
  if (kept) await backend.idle();
  else await backend.dispose();
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
  ortUnavailable.clear();
  await Promise.all(all.map((b) => b.dispose()));
}

/** The size of the weights file `path` names, or 0 when it cannot be found (opening it then says why). */
export async function weightsBytes(path: string): Promise<number> {
  try {
    return (await stat(await resolveWeightsFile(path))).size;
  } catch {
    return 0;
  }
}
