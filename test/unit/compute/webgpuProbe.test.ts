import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { probeOutcome, probeWebGpu, runChild, type ProbeExit } from '../../../src/core/compute/device/webgpuProbe';

/**
 * The WebGPU probe runs in a child process because creating a WebGPU session may abort or hang
 * the process. Its reading of the child's end is checked on made-up exits; one real probe must
 * end in one of the two states whatever this machine has.
 */
const exit = (over: Partial<ProbeExit>): ProbeExit => ({ stdout: '', stderr: '', code: 0, signal: null, timedOut: false, ...over });

test("a refusal keeps ORT's sentence and Dawn's first warning; crashes and timeouts are said in words", () => {
  const refused = exit({
    stdout:
      '{"available":false,"reason":"/src/webgpu_context.cc:136 Initialize adapter_result.status == Success was false. Failed to get a WebGPU adapter: No supported adapters"}\n',
    stderr: "Warning: Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file\n    at operator() (BackendVk.cpp:368)\n",
  });
  assert.deepEqual(probeOutcome(refused), {
    available: false,
    reason: "Failed to get a WebGPU adapter: No supported adapters (Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file)",
  });
  assert.deepEqual(probeOutcome(exit({ stdout: 'noise\n{"available":true}\n' })), { available: true });
  assert.deepEqual(probeOutcome(exit({ code: null, signal: 'SIGABRT', stderr: 'dawn assertion failed\n' })), {
    available: false,
    reason: 'the WebGPU probe was ended by SIGABRT: dawn assertion failed',
  });
  assert.deepEqual(probeOutcome(exit({ code: 3 })), { available: false, reason: 'the WebGPU probe exited with status 3' });
  assert.deepEqual(probeOutcome(exit({ timedOut: true, signal: 'SIGKILL' }), 5000), { available: false, reason: 'the WebGPU probe did not answer in 5 s and was stopped' });
});

test('a child that hangs is killed at the timeout and the answer still comes', async () => {
  const ended = await runChild(['-e', 'setInterval(() => {}, 1000)'], 300);
  assert.equal(ended.timedOut, true);
  assert.equal(ended.signal, 'SIGKILL');
  assert.deepEqual(probeOutcome(ended, 300), { available: false, reason: 'the WebGPU probe did not answer in 0.3 s and was stopped' });
});

test('the real probe ends with an adapter or with a reason, never hanging this process', async () => {
  // The generous bound guards only a hang; Dawn answers in well under a second either way.
  const outcome = await probeWebGpu(120_000);
  if (outcome.available) return;
  assert.equal(typeof outcome.reason, 'string');
  assert.ok(outcome.reason.length > 0);
  assert.doesNotMatch(outcome.reason, /did not answer/, 'the probe hung');
});
