import { CUDA_INSTALL_HINT, DeviceUnavailableError, loadOrt, OrtUnavailableError, type DeviceChoice } from './ort/runtime';
import type { BackendChoice } from './worker/protocol';

/**
 * Below this many bytes of factors, `auto` keeps the pure TypeScript backend: for a whole
 * `lora-lens inspect` process, onnxruntime's load, session creation and first runs cost more
 * than its faster products save. bench/crossover.bench.ts measures the whole process on both
 * backends over generated BF16 adapters (2 shared cores, one ORT thread). Since onnxruntime's
 * route takes one Gram pass per factor where exact enough (and the CLI runs its job in-process),
 * onnxruntime/js measured 1.16 at 21 MB, 0.97 at 42 MB, 0.78 at 84 MB, 0.69 at 126 MB and 0.42
 * at 336 MB (2026-12-07, load ≈ 2; bench/results/2026-12-07-crossover.txt). The crossover sits
 * near 42 MB and moves up under load, so the threshold is above it: 84 MB goes to onnxruntime.
 */
export const AUTO_ORT_MIN_BYTES = 60_000_000;

/** Whether onnxruntime-node loads in this process, and why not when it does not. */
export type OrtAvailability = { readonly available: true } | { readonly available: false; readonly reason: string };

/** What runs a job's products: the TypeScript backend, or onnxruntime on a device. */
export type BackendDecision =
  | { readonly backend: 'js'; /** Why `auto` kept JS although the work is large enough for onnxruntime. */ readonly note?: string }
  | { readonly backend: 'onnxruntime'; readonly device: DeviceChoice };

/** The user's request: `--backend` and `--device` (or the `loraLens.compute.*` settings). */
export interface BackendRequest {
  readonly backend: BackendChoice;
  readonly device: DeviceChoice;
}

/**
 * The one backend-choice policy, as a pure function. An explicit `cuda` device always means
 * onnxruntime on CUDA, whatever the size, or a DeviceUnavailableError that says what to install;
 * `--backend onnxruntime` always means onnxruntime, or OrtUnavailableError; `js` is JS; `auto`
 * takes onnxruntime from `minOrtBytes` of factors up when it loads, else JS with the reason.
 * Throws only input/environment errors (coded, `inputError`), never a plain Error.
 */
export function decideBackend(request: BackendRequest, factorBytes: number, ort: OrtAvailability, minOrtBytes = AUTO_ORT_MIN_BYTES): BackendDecision {
  if (request.device === 'cuda') {
    if (request.backend === 'js')
      throw new DeviceUnavailableError(`--device cuda runs on onnxruntime, and --backend js asks for the TypeScript backend: drop one of them. ${CUDA_INSTALL_HINT}`);
    if (!ort.available) throw new DeviceUnavailableError(`--device cuda needs onnxruntime-node, which cannot load here (${ort.reason}). ${CUDA_INSTALL_HINT}`);
    return { backend: 'onnxruntime', device: 'cuda' };
  }
  switch (request.backend) {
    case 'js':
      return { backend: 'js' };
    case 'onnxruntime':
      if (!ort.available) throw new OrtUnavailableError(ort.reason);
      return { backend: 'onnxruntime', device: request.device };
    case 'auto':
      if (factorBytes < minOrtBytes) return { backend: 'js' };
      return ort.available ? { backend: 'onnxruntime', device: request.device } : { backend: 'js', note: ort.reason };
  }
}

/** Whether onnxruntime-node loads here (loading it once; later calls are free). */
function ortAvailability(): OrtAvailability {
  try {
    loadOrt();
    return { available: true };
  } catch (error) {
    return { available: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The policy for this process: `decideBackend` with onnxruntime's availability looked up only
 * when the answer can depend on it (so a small `auto` job never loads the native addon).
 */
export function chooseBackendKind(request: BackendRequest, factorBytes: number, minOrtBytes = AUTO_ORT_MIN_BYTES): BackendDecision {
  const needsOrt = request.device === 'cuda' || request.backend === 'onnxruntime' || (request.backend === 'auto' && factorBytes >= minOrtBytes);
  return decideBackend(request, factorBytes, needsOrt ? ortAvailability() : { available: true }, minOrtBytes);
}
