import { LensError, registerLensError } from '../../errors';
import type { BackendChoice } from '../worker/protocol';
import { CUDA_INSTALL_HINT, DeviceUnavailableError, OrtUnavailableError, type DeviceChoice } from '../ort/runtime';
import type { DeviceAvailability } from './webgpuProbe';

/** `--device webgpu` was asked for and WebGPU cannot run here. */
export class WebGpuUnavailableError extends LensError {
  override readonly name = 'WebGpuUnavailableError';
  readonly code = 'WEBGPU_UNAVAILABLE';
  /** The environment's: no GPU adapter, no Vulkan/Metal/D3D12 loader, or onnxruntime-node missing. */
  readonly inputError = true;
}
registerLensError('WebGpuUnavailableError', WebGpuUnavailableError);

/** A device `auto` passed over, and why (provider not installed, no adapter, probe failed). */
export interface SkippedDevice {
  readonly device: 'cuda' | 'webgpu';
  readonly reason: string;
}

/**
 * Where the float32-tolerant dense work (the randomized SVD of base weights) runs: the
 * TypeScript engine, onnxruntime on the CPU or CUDA in float64, or WebGPU in float32.
 */
export interface DenseDevice {
  readonly engine: 'js' | 'onnxruntime' | 'webgpu';
  readonly device: 'cpu' | 'cuda' | 'webgpu';
  readonly precision: 'float64' | 'float32';
  readonly skipped: readonly SkippedDevice[];
}

/** What the decision needs to know about this machine; each probe is asked only when needed. */
export interface DenseEnvironment {
  /** Whether onnxruntime-node loads in this process. */
  readonly ort: DeviceAvailability;
  /** Whether a CUDA session can be created (provider installed, CUDA and cuDNN found). */
  readonly cuda: () => Promise<DeviceAvailability>;
  /** Whether a WebGPU adapter runs a product (probed in a child process). */
  readonly webgpu: () => Promise<DeviceAvailability>;
}

const CPU_F64 = { engine: 'onnxruntime', device: 'cpu', precision: 'float64' } as const;

/**
 * The dense device policy, pure given the probes. An explicit device is that device or a
 * typed failure (exit 2): `cuda` DeviceUnavailableError, `webgpu` WebGpuUnavailableError with
 * the probe's reason. `auto` tries CUDA, then WebGPU, then the CPU, and lists why each device
 * before the one chosen was passed over. `--backend js` keeps the TypeScript engine (with a
 * named GPU it is a contradiction, refused); without onnxruntime, `auto`/`cpu` fall to it.
 */
export async function decideDenseDevice(request: { readonly backend: BackendChoice; readonly device: DeviceChoice }, env: DenseEnvironment): Promise<DenseDevice> {
  const { backend, device } = request;
  if (backend === 'js') {
    if (device === 'cuda' || device === 'webgpu')
      throw new DeviceUnavailableError(`--device ${device} runs on onnxruntime, and --backend js asks for the TypeScript backend: drop one of them`);
    return { engine: 'js', device: 'cpu', precision: 'float64', skipped: [] };
  }
  if (!env.ort.available) {
    if (device === 'cuda') throw new DeviceUnavailableError(`--device cuda needs onnxruntime-node, which cannot load here (${env.ort.reason}). ${CUDA_INSTALL_HINT}`);
    if (device === 'webgpu') throw new WebGpuUnavailableError(`--device webgpu needs onnxruntime-node, which cannot load here (${env.ort.reason})`);
    if (backend === 'onnxruntime') throw new OrtUnavailableError(env.ort.reason);
    const reason = `onnxruntime-node cannot load (${env.ort.reason})`;
    return {
      engine: 'js',
      device: 'cpu',
      precision: 'float64',
      skipped:
        device === 'auto'
          ? [
              { device: 'cuda', reason },
              { device: 'webgpu', reason },
            ]
          : [],
    };
  }
  switch (device) {
    case 'cpu':
      return { ...CPU_F64, skipped: [] };
    case 'cuda':
      // The session itself reports a missing CUDA library as DeviceUnavailableError.
      return { engine: 'onnxruntime', device: 'cuda', precision: 'float64', skipped: [] };
    case 'webgpu': {
      const webgpu = await env.webgpu();
      if (!webgpu.available) throw new WebGpuUnavailableError(`--device webgpu cannot run here: ${webgpu.reason}`);
      return { engine: 'webgpu', device: 'webgpu', precision: 'float32', skipped: [] };
    }
    case 'auto': {
      const cuda = await env.cuda();
      if (cuda.available) return { engine: 'onnxruntime', device: 'cuda', precision: 'float64', skipped: [] };
      const skipped: SkippedDevice[] = [{ device: 'cuda', reason: cuda.reason }];
      const webgpu = await env.webgpu();
      if (webgpu.available) return { engine: 'webgpu', device: 'webgpu', precision: 'float32', skipped };
      return { ...CPU_F64, skipped: [...skipped, { device: 'webgpu', reason: webgpu.reason }] };
    }
  }
}

/** One line for reports: the device, its precision, and why `auto` passed the others over. */
export function describeDenseDevice(d: DenseDevice): string {
  const ran = `${d.device} (${d.precision}${d.engine === 'js' ? ', TypeScript engine' : ''})`;
  return d.skipped.length === 0 ? ran : `${ran}; ${d.skipped.map((s) => `${s.device}: ${s.reason}`).join('; ')}`;
}
