import { availableParallelism } from 'node:os';
import { gramGraph } from '../compute/onnx/graphs';
import { webGpuAvailability } from '../compute/device/webgpuProbe';
import { OrtSessions, ortInfo, type DeviceChoice, type OrtInfo, type Provider } from '../compute/ort/runtime';

/** What runs analyses on this machine for a device choice (`lora-lens info --json`, Show Compute Info). */
export interface ComputeInfoReport {
  /** onnxruntime's version. */
  readonly onnxruntime: string;
  readonly providers: OrtInfo['providers'];
  /** The device asked for. */
  readonly device: DeviceChoice;
  /** The provider that actually runs; null when no session could be made. */
  readonly provider: Provider | null;
  /** Why `auto` ended on the CPU after trying CUDA. */
  readonly fallbackReason: string | null;
  /** ORT's intra-op threads. */
  readonly threads: number;
  readonly cores: number;
}

/**
 * Probes onnxruntime for a device choice: the provider that runs is found by creating a session
 * (as analyses do), since only that shows whether the CUDA libraries load. Fails as the session
 * does, so an explicit `cuda` that cannot run rejects with ORT's reason.
 */
export async function computeInfo(device: DeviceChoice): Promise<ComputeInfoReport> {
  const installed = ortInfo();
  const sessions = new OrtSessions(device);
  try {
    await sessions.session(gramGraph('double', 'tall'));
  } finally {
    await sessions.dispose();
  }
  const webgpu = await webGpuAvailability();
  return {
    onnxruntime: installed.version,
    providers: [
      ...installed.providers,
      { name: 'webgpu', available: webgpu.available, note: webgpu.available ? 'adapter found; runs the float32-tolerant dense work (--base)' : webgpu.reason },
    ],
    device,
    provider: sessions.provider ?? null,
    fallbackReason: sessions.fallbackReason ?? null,
    threads: sessions.threads,
    cores: availableParallelism(),
  };
}
