import { JsDenseEngine, type DenseEngine } from '../dense';
import { productGraph } from '../onnx/graphs';
import { encodeModel } from '../onnx/onnxModel';
import { OrtDenseEngine } from '../ort/ortDense';
import { createOrtSession, loadOrt, ortInfo } from '../ort/runtime';
import type { ComputeOptions } from '../worker/protocol';
import { decideDenseDevice, type DenseDevice, type DenseEnvironment } from './denseDevice';
import { Float32DenseEngine } from './float32Dense';
import { webGpuAvailability, type DeviceAvailability } from './webgpuProbe';

/** This process's environment for decideDenseDevice: onnxruntime loaded here, CUDA tried here, WebGPU probed in a child. */
export function denseEnvironment(): DenseEnvironment {
  let ort: DeviceAvailability;
  try {
    loadOrt();
    ort = { available: true };
  } catch (error) {
    ort = { available: false, reason: error instanceof Error ? error.message : String(error) };
  }
  return { ort, cuda: cudaAvailability, webgpu: webGpuAvailability };
}

/**
 * Whether CUDA runs: the provider's library must be installed, and a session must open on it
 * (ORT throws, rather than crash, when CUDA 12 or cuDNN 9 is missing, so this runs in process).
 */
async function cudaAvailability(): Promise<DeviceAvailability> {
  const cuda = ortInfo().providers.find((p) => p.name === 'cuda');
  if (!cuda?.available) return { available: false, reason: 'provider not installed' };
  try {
    const created = await createOrtSession(encodeModel(productGraph('float')), 'cuda', 1);
    await created.session.release();
    return { available: true };
  } catch (error) {
    return { available: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The dense engine for base-weight products, on the device the policy picks, with that
 * decision (device, precision, devices passed over) for the report.
 */
export async function openDenseEngine(compute: ComputeOptions, env: DenseEnvironment = denseEnvironment()): Promise<{ engine: DenseEngine; device: DenseDevice }> {
  const device = await decideDenseDevice(compute, env);
  switch (device.engine) {
    case 'js':
      return { engine: new JsDenseEngine(), device };
    case 'webgpu':
      return { engine: new Float32DenseEngine('webgpu'), device };
    case 'onnxruntime':
      return { engine: new OrtDenseEngine(device.device === 'cuda' ? 'cuda' : 'cpu', compute.threads), device };
  }
}
