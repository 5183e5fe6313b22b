import { factorBytes } from '../adapter/factorBytes';
import type { Adapter } from '../adapter/model';
import type { ComputeBackend } from '../compute/backend';
import { chooseBackendKind } from '../compute/backendPolicy';
import { JsBackend } from '../compute/jsBackend';
import { OrtBackend } from '../compute/ort/ortBackend';
import type { ComputeOptions } from '../compute/worker/protocol';
import { WorkerOrtBackend } from '../compute/worker/workerOrtBackend';

/** Where a resize's heavy products run. */
export interface ResizeCompute {
  /** Which backend and device (as `inspect --backend/--device`); default auto/auto. */
  readonly compute?: ComputeOptions;
  /** A backend to use as it is (the caller disposes it); overrides `compute`. */
  readonly backend?: ComputeBackend;
  /**
   * The ORT worker's script (ortWorker.js). When given, onnxruntime runs in that worker thread
   * and the calling thread only reads, decodes and writes (what an editor host wants: its event
   * loop is never held by a device run); otherwise ORT runs on the calling thread (the CLI).
   */
  readonly ortWorker?: string;
}

/** The backend for a resize of `adapter`, whether this resize owns it, and why `auto` kept JS when it could not load ORT. */
export interface ChosenBackend {
  readonly backend: ComputeBackend;
  readonly owned: boolean;
  readonly note?: string;
}

/** Chooses as every job does, by the one policy (chooseBackendKind), for the adapter's factor bytes. */
export function resizeBackend(adapter: Adapter, options: ResizeCompute): ChosenBackend {
  if (options.backend) return { backend: options.backend, owned: false };
  const compute: ComputeOptions = options.compute ?? { backend: 'auto', device: 'auto' };
  const decision = chooseBackendKind(compute, factorBytes(adapter));
  if (decision.backend === 'js') return decision.note === undefined ? { backend: new JsBackend(), owned: true } : { backend: new JsBackend(), owned: true, note: decision.note };
  const backend = options.ortWorker
    ? new WorkerOrtBackend(options.ortWorker, { device: decision.device, ...(compute.threads ? { threads: compute.threads } : {}) })
    : // cores − 1 threads even here: measured on 2 busy cores, ORT's spinning pool on both cores
      // made pass one three times slower, not faster.
      new OrtBackend(decision.device, compute.threads);
  return { backend, owned: true };
}
