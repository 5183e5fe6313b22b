import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { test } from 'node:test';
import type { JobOutcome, RunOptions } from '../../../src/core/jobs/client';
import { disposeBackends, startedOrtBackend } from '../../../src/core/jobs/backends';
import { InProcessJobs } from '../../../src/core/jobs/inProcess';
import type { JobInput, JobKind } from '../../../src/core/jobs/protocol';
import { analyseFile } from '../../../src/host/analysis/analyseFile';
import { AnalysisService, type ServiceRunner } from '../../../src/host/analysis/analysisService';
import { corpusPath } from '../../helpers/fixtures';
import { ORT_WORKER } from '../../helpers/inThreadJobs';

/** The compiled analysis worker in the test build. */
const ANALYSIS_WORKER = join(__dirname, '..', '..', '..', 'src', 'core', 'jobs', 'analysisWorker.js');
const ORT_CPU = { backend: 'onnxruntime', device: 'cpu' } as const;

/**
 * The host's side with the worker replaced by the registry on this thread, so the ORT backend
 * table the warm job fills is the one this test reads; every job sent is recorded.
 */
class RecordingRunner implements ServiceRunner {
  readonly sent: { kind: JobKind; input: unknown }[] = [];
  readonly worker = null;
  private readonly jobs = new InProcessJobs(ORT_WORKER);

  run<K extends JobKind>(kind: K, input: JobInput<K>, options?: RunOptions<K>): Promise<JobOutcome<K>> {
    this.sent.push({ kind, input });
    return this.jobs.run(kind, input, options);
  }

  dispose(): Promise<void> {
    return this.jobs.dispose();
  }
}

test("activation's warm-up starts the analysis worker but not onnxruntime", async () => {
  const runner = new RecordingRunner();
  const service = new AnalysisService(ANALYSIS_WORKER, ORT_WORKER, runner);
  try {
    await service.warmUp();
    assert.equal(service.warmth, 'warm');
    assert.deepEqual(runner.sent, [{ kind: 'warm', input: {} }]);
    assert.equal(startedOrtBackend(ORT_CPU), undefined, 'no ORT worker was started');
    assert.equal(startedOrtBackend({ backend: 'auto', device: 'cpu' }), undefined);
  } finally {
    service.dispose();
    await disposeBackends();
  }
});

test('opening an adapter warms onnxruntime once, ahead of its analysis', async () => {
  const runner = new RecordingRunner();
  const service = new AnalysisService(ANALYSIS_WORKER, ORT_WORKER, runner);
  try {
    // What the adapter editor calls as it opens a document, before the header read.
    const warming = service.warmOnnxRuntime(ORT_CPU);
    assert.equal(service.warmOnnxRuntime(ORT_CPU), warming, 'a second editor joins the first warm-up');
    await warming;
    const warm = startedOrtBackend(ORT_CPU);
    assert.ok(warm, 'the ORT worker is starting');

    // The editor-less path (Export Report, hovers) warms before its header read too.
    const { analysis } = await analyseFile(service, corpusPath('peft-qwen25-muzammel'), ORT_CPU, { isCancellationRequested: false });
    assert.deepEqual(
      runner.sent.map((s) => s.kind),
      ['warm', 'analyze'],
      'one warm-up per options, queued ahead of the analysis',
    );
    assert.deepEqual(runner.sent[0]?.input, { ort: ORT_CPU });
    assert.equal(startedOrtBackend(ORT_CPU), warm, 'the analysis used the warmed ORT worker');
    assert.match(analysis.backend, /^onnxruntime/);
  } finally {
    service.dispose();
    await disposeBackends();
  }
});

test('a dispose before the warm-up turn starts no worker', async () => {
  const service = new AnalysisService(ANALYSIS_WORKER, ORT_WORKER);
  const warming = service.warmUp();
  service.dispose();
  await assert.rejects(warming, { name: 'CancelledError' });
  assert.equal(service.warmth, 'failed');
  assert.equal(service.workerThread, null, 'no worker was started on the disposed client');
  await assert.rejects(service.warmOnnxRuntime(ORT_CPU), { name: 'CancelledError' });
  assert.equal(service.workerThread, null);
});
