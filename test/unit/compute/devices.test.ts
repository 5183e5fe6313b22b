import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { gramGraph } from '../../../src/core/compute/onnx/graphs';
import { DeviceUnavailableError, OrtSessions, ortInfo } from '../../../src/core/compute/ort/runtime';

/**
 * Device choice on this machine. Tests cannot assume a GPU: when the CUDA provider's libraries
 * are absent, `auto` must end on the CPU and say why, and an explicit `cuda` must fail clearly.
 */
const cudaInstalled = ortInfo().providers.some((p) => p.name === 'cuda' && p.available);

test('auto tries CUDA and falls back to the CPU, recording what ran and why', async () => {
  const sessions = new OrtSessions('auto', 1);
  try {
    await sessions.session(gramGraph('double', 'tall'));
    if (cudaInstalled && sessions.provider === 'cuda') return;
    assert.equal(sessions.provider, 'cpu');
    assert.match(sessions.fallbackReason ?? '', /CUDA unavailable: .+; using the CPU/);
  } finally {
    await sessions.dispose();
  }
});

test('cpu never tries CUDA; cuda without its libraries fails with the reason', async () => {
  const cpu = new OrtSessions('cpu', 1);
  await cpu.session(gramGraph('float', 'wide'));
  assert.equal(cpu.provider, 'cpu');
  assert.equal(cpu.fallbackReason, undefined);
  await cpu.dispose();
  if (cudaInstalled) return;
  const cuda = new OrtSessions('cuda', 1);
  await assert.rejects(cuda.session(gramGraph('float', 'wide')), (e: unknown) => e instanceof DeviceUnavailableError && /the CUDA provider cannot run here/.test(e.message));
  await cuda.dispose();
});

test('info names the ORT version and which providers this installation has', () => {
  const info = ortInfo();
  assert.match(info.version, /^\d+\.\d+\.\d+/);
  assert.deepEqual(
    info.providers.map((p) => p.name),
    ['cpu', 'cuda'],
  );
  assert.ok(info.providers[0].available);
  if (!cudaInstalled) assert.match(info.providers[1].note, /--onnxruntime-node-install=cuda12/);
});
