import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { computeInfo } from '../../../src/core/report/computeInfo';

test('computeInfo probes the provider that runs, in the fields `info --json` prints', async () => {
  const report = await computeInfo('cpu');
  assert.deepEqual(Object.keys(report), ['onnxruntime', 'providers', 'device', 'provider', 'fallbackReason', 'threads', 'cores']);
  assert.match(report.onnxruntime, /^\d+\.\d+\.\d+/);
  assert.deepEqual([report.device, report.provider, report.fallbackReason], ['cpu', 'cpu', null]);
  assert.deepEqual(
    report.providers.map((p) => p.name),
    ['cpu', 'cuda', 'webgpu'],
  );
  // Either state is right: an adapter on a GPU machine, or the probe's reason without one.
  const webgpu = report.providers[2];
  assert.match(webgpu.note, webgpu.available ? /adapter found/ : /\S/);
  assert.equal(report.threads, Math.max(1, report.cores - 1));
});
