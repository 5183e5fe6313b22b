import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { startedOrtBackend, warmBackend } from '../../../src/core/jobs/backends';
import { InProcessJobs } from '../../../src/core/jobs/inProcess';
import { AnalysisService, stampOf } from '../../../src/host/analysis/analysisService';
import { corpusPath } from '../../helpers/fixtures';

/** The compiled worker entry points in the test build. */
const ANALYSIS_WORKER = join(__dirname, '..', '..', '..', 'src', 'core', 'jobs', 'analysisWorker.js');
const ORT_WORKER = join(__dirname, '..', '..', '..', 'src', 'core', 'compute', 'worker', 'ortWorker.js');

test('the editor warm-up returns at once, and the first analysis runs on the worker it started', async () => {
  const service = new AnalysisService(ANALYSIS_WORKER, ORT_WORKER);
  try {
    const warming = service.warmUp();
    // Activation calls this and returns: not even the thread exists yet.
    assert.equal(service.warmth, 'warming');
    assert.equal(service.workerThread, null);
    assert.equal(service.warmUp(), warming, 'a second call joins the first');
    await warming;
    assert.equal(service.warmth, 'warm');
    const thread = service.workerThread;
    assert.ok(thread, 'the warm-up started the analysis worker');

    const path = corpusPath('peft-qwen25-muzammel');
    const opened = await openAdapter(path);
    await opened.file.close();
    const results: number[] = [];
    const { analysis } = await service.analyze(opened.adapter, await stampOf(path), {
      compute: { backend: 'auto', device: 'cpu' },
      token: { isCancellationRequested: false },
      onModule: (_, index) => results.push(index),
    });
    assert.equal(service.workerThread, thread, 'the analysis reused the warm worker');
    assert.equal(analysis.modules.length, opened.adapter.modules.length);
    assert.deepEqual(
      results,
      opened.adapter.modules.map((_, i) => i),
    );
  } finally {
    service.dispose();
  }
});

test('warming onnxruntime leaves the ORT worker that the next onnxruntime job uses', async () => {
  const jobs = new InProcessJobs(ORT_WORKER);
  try {
    const js = { backend: 'js', device: 'cpu' } as const;
    assert.equal(warmBackend(js, ORT_WORKER), 'not used');
    assert.equal(startedOrtBackend(js), undefined);

    const ort = { backend: 'onnxruntime', device: 'cpu' } as const;
    assert.equal(warmBackend(ort, ORT_WORKER), 'starting');
    const warm = startedOrtBackend(ort);
    assert.ok(warm, 'the warm-up left an ORT backend in the table');
    const { output } = await jobs.run('analyze', { path: corpusPath('peft-qwen25-muzammel'), options: ort });
    assert.equal(startedOrtBackend(ort), warm, 'the job used the warm backend');
    assert.match(output.device.backend, /^onnxruntime/);
    assert.ok(output.modules.every((m) => m.status === 'ok'));
  } finally {
    await jobs.dispose();
  }
  assert.equal(startedOrtBackend({ backend: 'onnxruntime', device: 'cpu' }), undefined, 'dispose stopped the ORT workers');
});
