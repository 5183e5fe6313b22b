import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { randomizedSvd } from '../../../src/core/analysis/randomizedSvd';
import type { DenseMatrix } from '../../../src/core/compute/dense';
import { decideDenseDevice, describeDenseDevice, WebGpuUnavailableError, type DenseEnvironment } from '../../../src/core/compute/device/denseDevice';
import { openDenseEngine } from '../../../src/core/compute/device/denseEngines';
import type { DeviceAvailability } from '../../../src/core/compute/device/webgpuProbe';
import { createOrtSession, DeviceUnavailableError, OrtUnavailableError, WEBGPU_FLOAT64_NOTE } from '../../../src/core/compute/ort/runtime';
import { gramGraph } from '../../../src/core/compute/onnx/graphs';
import { encodeModel } from '../../../src/core/compute/onnx/onnxModel';
import { OrtDenseEngine } from '../../../src/core/compute/ort/ortDense';
import { describeError, EXIT_INPUT } from '../../../src/cli/exitStatus';
import { Rng } from '../../helpers/random';

/**
 * The dense device policy with the probes injected: no GPU is needed to check that `auto` walks
 * CUDA → WebGPU → CPU and says why it passed each over, and that an explicit device fails clearly.
 */
const NO_ADAPTER = 'Failed to get a WebGPU adapter: No supported adapters';

function env(cuda: DeviceAvailability, webgpu: DeviceAvailability, ort: DeviceAvailability = { available: true }): DenseEnvironment & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    ort,
    cuda: async () => (asked.push('cuda'), cuda),
    webgpu: async () => (asked.push('webgpu'), webgpu),
  };
}

const missing = (reason: string): DeviceAvailability => ({ available: false, reason });
const present: DeviceAvailability = { available: true };

test('auto without CUDA or an adapter runs float64 on the CPU and names both reasons', async () => {
  const e = env(missing('provider not installed'), missing(NO_ADAPTER));
  const d = await decideDenseDevice({ backend: 'auto', device: 'auto' }, e);
  assert.deepEqual(d, {
    engine: 'onnxruntime',
    device: 'cpu',
    precision: 'float64',
    skipped: [
      { device: 'cuda', reason: 'provider not installed' },
      { device: 'webgpu', reason: NO_ADAPTER },
    ],
  });
  assert.deepEqual(e.asked, ['cuda', 'webgpu']);
  assert.equal(describeDenseDevice(d), `cpu (float64); cuda: provider not installed; webgpu: ${NO_ADAPTER}`);
});

test('auto takes WebGPU in float32 when CUDA is missing, and CUDA without probing WebGPU when present', async () => {
  const gpu = await decideDenseDevice({ backend: 'auto', device: 'auto' }, env(missing('provider not installed'), present));
  assert.deepEqual([gpu.engine, gpu.device, gpu.precision, gpu.skipped.length], ['webgpu', 'webgpu', 'float32', 1]);
  const e = env(present, present);
  const cuda = await decideDenseDevice({ backend: 'onnxruntime', device: 'auto' }, e);
  assert.deepEqual([cuda.device, cuda.precision, cuda.skipped], ['cuda', 'float64', []]);
  assert.deepEqual(e.asked, ['cuda']);
});

test('explicit webgpu is WebGPU or a typed input error (exit 2) carrying the probe reason', async () => {
  const ok = await decideDenseDevice({ backend: 'auto', device: 'webgpu' }, env(missing('x'), present));
  assert.deepEqual([ok.device, ok.precision], ['webgpu', 'float32']);
  const e = env(present, missing(NO_ADAPTER));
  const error = await decideDenseDevice({ backend: 'auto', device: 'webgpu' }, e).catch((x: unknown) => x);
  assert.ok(error instanceof WebGpuUnavailableError);
  assert.match(error.message, /--device webgpu cannot run here: Failed to get a WebGPU adapter/);
  assert.equal(describeError(error).status, EXIT_INPUT);
  assert.equal(describeError(error).code, 'WEBGPU_UNAVAILABLE');
  // An explicit WebGPU is never replaced by CUDA, and is never asked about CUDA.
  assert.deepEqual(e.asked, ['webgpu']);
});

test('cpu probes nothing; js with a named GPU and a missing onnxruntime fail or fall back as documented', async () => {
  const e = env(present, present);
  assert.deepEqual(await decideDenseDevice({ backend: 'auto', device: 'cpu' }, e), { engine: 'onnxruntime', device: 'cpu', precision: 'float64', skipped: [] });
  assert.deepEqual(e.asked, []);
  await assert.rejects(decideDenseDevice({ backend: 'js', device: 'webgpu' }, e), DeviceUnavailableError);
  const noOrt = missing('onnxruntime-node could not be loaded');
  await assert.rejects(decideDenseDevice({ backend: 'auto', device: 'webgpu' }, env(present, present, noOrt)), WebGpuUnavailableError);
  await assert.rejects(decideDenseDevice({ backend: 'onnxruntime', device: 'cpu' }, env(present, present, noOrt)), OrtUnavailableError);
  const js = await decideDenseDevice({ backend: 'auto', device: 'auto' }, env(present, present, noOrt));
  assert.deepEqual([js.engine, js.precision, js.skipped.map((s) => s.device)], ['js', 'float64', ['cuda', 'webgpu']]);
});

test('the CPU fallback computes the same numbers as the CPU engine did before devices were chosen', async () => {
  const rng = Rng.fresh();
  const m = 120;
  const n = 90;
  const W: DenseMatrix = { rows: m, cols: n, values: Float32Array.from({ length: m * n }, () => rng.gaussian()) };
  const seeded = () => {
    const r = new Rng(rng.seed);
    return () => r.gaussian();
  };
  const chosen = await openDenseEngine({ backend: 'auto', device: 'auto', threads: 1 }, env(missing('provider not installed'), missing(NO_ADAPTER)));
  const before = new OrtDenseEngine('cpu', 1);
  try {
    assert.equal(chosen.device.device, 'cpu');
    const a = await randomizedSvd(W, chosen.engine, { k: 6, gaussian: seeded() });
    const b = await randomizedSvd(W, before, { k: 6, gaussian: seeded() });
    assert.equal(chosen.engine.name, 'onnxruntime cpu');
    assert.deepEqual(Array.from(a.values), Array.from(b.values), rng.tag);
  } finally {
    await chosen.engine.dispose();
    await before.dispose();
  }
});

test('a float64 session asked for WebGPU (spectra, predictors) runs on the CPU and says why', async () => {
  const created = await createOrtSession(encodeModel(gramGraph('double', 'tall')), 'webgpu', 1);
  try {
    assert.equal(created.provider, 'cpu');
    assert.equal(created.fallbackReason, WEBGPU_FLOAT64_NOTE);
  } finally {
    await created.session.release();
  }
});
