import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { AUTO_ORT_MIN_BYTES, decideBackend, type OrtAvailability } from '../../../src/core/compute/backendPolicy';
import { DeviceUnavailableError, OrtUnavailableError } from '../../../src/core/compute/ort/runtime';
import { Rng } from '../../helpers/random';

const LOADS: OrtAvailability = { available: true };
const REASON = 'onnxruntime-node could not be loaded (test)';
const MISSING: OrtAvailability = { available: false, reason: REASON };

/** Sizes on both sides of the crossover, drawn fresh: the rules below hold for every size. */
function sizes(rng: Rng): { small: number; large: number } {
  return { small: rng.int(0, AUTO_ORT_MIN_BYTES - 1), large: rng.int(AUTO_ORT_MIN_BYTES, 64 * AUTO_ORT_MIN_BYTES) };
}

function isCudaFailure(e: unknown): boolean {
  return (
    e instanceof DeviceUnavailableError &&
    e.code === 'DEVICE_UNAVAILABLE' &&
    e.inputError &&
    /--onnxruntime-node-install=cuda12/.test(e.message) &&
    /CUDA 12/.test(e.message) &&
    /cuDNN 9/.test(e.message)
  );
}

test('an explicit cuda device means onnxruntime on CUDA for every size, or a coded input error with the install hint', () => {
  const rng = Rng.fresh();
  const { small, large } = sizes(rng);
  for (const bytes of [0, small, large]) {
    for (const backend of ['auto', 'onnxruntime'] as const) {
      assert.deepEqual(decideBackend({ backend, device: 'cuda' }, bytes, LOADS), { backend: 'onnxruntime', device: 'cuda' }, `${backend} ${bytes} ${rng.tag}`);
      assert.throws(() => decideBackend({ backend, device: 'cuda' }, bytes, MISSING), isCudaFailure);
    }
    // JS cannot run on CUDA: asking for both is a contradiction, not a silent JS run.
    assert.throws(() => decideBackend({ backend: 'js', device: 'cuda' }, bytes, LOADS), isCudaFailure);
  }
});

test('auto takes onnxruntime from the crossover up when it loads, else JS with the reason; below it JS', () => {
  const rng = Rng.fresh();
  const { small, large } = sizes(rng);
  for (const device of ['auto', 'cpu'] as const) {
    assert.deepEqual(decideBackend({ backend: 'auto', device }, small, LOADS), { backend: 'js' }, rng.tag);
    assert.deepEqual(decideBackend({ backend: 'auto', device }, small, MISSING), { backend: 'js' }, rng.tag);
    assert.deepEqual(decideBackend({ backend: 'auto', device }, AUTO_ORT_MIN_BYTES, LOADS), { backend: 'onnxruntime', device });
    assert.deepEqual(decideBackend({ backend: 'auto', device }, large, LOADS), { backend: 'onnxruntime', device }, rng.tag);
    assert.deepEqual(decideBackend({ backend: 'auto', device }, large, MISSING), { backend: 'js', note: REASON }, rng.tag);
  }
  // A job whose work is dense whatever its factors (the base model's products) passes no threshold.
  assert.deepEqual(decideBackend({ backend: 'auto', device: 'auto' }, 0, LOADS, 0), { backend: 'onnxruntime', device: 'auto' });
});

test('an explicit backend is taken whatever the size; onnxruntime that cannot load is a coded environment error', () => {
  const rng = Rng.fresh();
  const { small, large } = sizes(rng);
  for (const bytes of [small, large]) {
    for (const device of ['auto', 'cpu'] as const) {
      assert.deepEqual(decideBackend({ backend: 'js', device }, bytes, LOADS), { backend: 'js' }, rng.tag);
      assert.deepEqual(decideBackend({ backend: 'js', device }, bytes, MISSING), { backend: 'js' }, rng.tag);
      assert.deepEqual(decideBackend({ backend: 'onnxruntime', device }, bytes, LOADS), { backend: 'onnxruntime', device }, rng.tag);
      assert.throws(
        () => decideBackend({ backend: 'onnxruntime', device }, bytes, MISSING),
        (e: unknown) => e instanceof OrtUnavailableError && e.code === 'ORT_UNAVAILABLE' && e.inputError,
      );
    }
  }
});
