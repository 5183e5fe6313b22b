import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { test } from 'node:test';
import { OrtUnavailableError } from '../../../src/core/compute/ort/runtime';
import { disposeBackends } from '../../../src/core/jobs/backends';
import { compareJob } from '../../../src/core/jobs/subspaceJobs';
import { corpusPath } from '../../helpers/fixtures';

const ORT_WORKER = join(__dirname, '..', '..', '..', 'src', 'core', 'compute', 'worker', 'ortWorker.js');
const UNLOADABLE = join(__dirname, '..', '..', 'helpers', 'unloadableOrtWorker.js');

/**
 * The comparison learns whether onnxruntime loads from its worker's start (startBackendFor), as
 * inspect does, rather than loading the addon on the job's own thread: an explicit request
 * whose worker cannot load fails with the coded error, and one whose worker loads runs there.
 */
test('compare on onnxruntime runs on the ORT worker, and fails with its code when that worker cannot load', async () => {
  const path = corpusPath('peft-qwen25-muzammel');
  const context = (ortWorker: string) => ({ token: { isCancellationRequested: false }, progress: () => undefined, ortWorker });
  const compute = { backend: 'onnxruntime', device: 'cpu' } as const;
  try {
    await assert.rejects(compareJob.run({ pathA: path, pathB: path, options: { compute } }, context(UNLOADABLE)), OrtUnavailableError);
    const result = await compareJob.run({ pathA: path, pathB: path, options: { compute } }, context(ORT_WORKER));
    assert.ok(result !== undefined);
  } finally {
    await disposeBackends();
  }
});
