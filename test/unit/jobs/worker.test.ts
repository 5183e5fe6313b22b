import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { openAdapter } from '../../../src/core/adapter/load';
import { analyzeAdapter, type ModuleResult } from '../../../src/core/analysis/analyze';
import { CancelledError } from '../../../src/core/cancellation';
import { DeviceUnavailableError, ortInfo } from '../../../src/core/compute/ort/runtime';
import { JobClient, WorkerCrashedError } from '../../../src/core/jobs/client';
import type { OrtWorkerData } from '../../../src/core/compute/worker/protocol';
import { WorkerOrtBackend } from '../../../src/core/compute/worker/workerOrtBackend';
import { SafetensorsError } from '../../../src/core/safetensors/errors';
import { gaussian } from '../../helpers/factors';
import { corpusPath, removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

/** The compiled worker entry points in the test build. */
const ANALYSIS_WORKER = join(__dirname, '..', '..', '..', 'src', 'core', 'jobs', 'analysisWorker.js');
const ORT_WORKER = join(__dirname, '..', '..', '..', 'src', 'core', 'compute', 'worker', 'ortWorker.js');

let dir: string;
let big: string;
before(async () => {
  // 160 modules of 1024×64 float32: long enough to cancel or crash in the middle.
  const rng = Rng.fresh();
  dir = await tempDir();
  const tensors = [];
  for (let l = 0; l < 80; l++) {
    for (const p of ['q_proj', 'v_proj']) {
      tensors.push({ name: `base_model.model.layers.${l}.${p}.lora_A.weight`, shape: [64, 1024], values: gaussian(rng, 64, 1024).data, dtype: 'F32' as const });
      tensors.push({ name: `base_model.model.layers.${l}.${p}.lora_B.weight`, shape: [1024, 64], values: gaussian(rng, 1024, 64).data, dtype: 'F32' as const });
    }
  }
  big = await writeFixture(dir, 'adapter_model.safetensors', tensors, { config: { peft_type: 'LORA', r: 64, lora_alpha: 64 } });
});
after(async () => {
  await removeDir(dir);
});

function sameResults(got: readonly ModuleResult[], want: readonly ModuleResult[]): void {
  assert.equal(got.length, want.length);
  got.forEach((g, i) => {
    const w = want[i];
    assert.equal(g.name, w.name);
    assert.equal(g.status, w.status);
    if (g.status !== 'ok' || w.status !== 'ok') return;
    g.singularValues.forEach((s, k) => assert.ok(Math.abs(s - w.singularValues[k]) <= 1e-12 * w.singularValues[0], `${g.name} σ${k + 1}`));
  });
}

test('the worker streams every module in order, with the numbers of an in-thread analysis, on both backends', async () => {
  const path = corpusPath('peft-qwen25-muzammel');
  const opened = await openAdapter(path);
  const reference = await analyzeAdapter(opened);
  await opened.file.close();
  const client = new JobClient(ANALYSIS_WORKER, ORT_WORKER);
  try {
    for (const backend of ['js', 'onnxruntime'] as const) {
      const streamed: number[] = [];
      const outcome = await client.run('analyze', { path, options: { backend, device: 'cpu' } }, { onProgress: ({ index, total }) => streamed.push(index, total) });
      assert.deepEqual(streamed, Array.from({ length: 48 }, (_, i) => [i, 48]).flat(), backend);
      sameResults(outcome.output.modules, reference.modules);
      assert.match(outcome.output.device.backend, backend === 'js' ? /^js$/ : /^onnxruntime cpu$/);
    }
  } finally {
    await client.dispose();
  }
});

test('a cancelled job stops with CancelledError, and the next job runs', async () => {
  const client = new JobClient(ANALYSIS_WORKER, ORT_WORKER);
  try {
    const token = { isCancellationRequested: false };
    let seen = 0;
    const job = client.run('analyze', { path: big, options: { backend: 'js', device: 'cpu' } }, { token, onProgress: () => (token.isCancellationRequested = ++seen >= 3) });
    await assert.rejects(job, CancelledError);
    assert.ok(seen < 160, `stopped early (${seen} modules)`);
    const next = await client.run('analyze', { path: corpusPath('peft-tinygpt2'), options: { backend: 'js', device: 'cpu' } });
    assert.equal(next.output.modules.length, 6);
  } finally {
    await client.dispose();
  }
});

test('a cancelled job waits for the worker to say it stopped: the same worker then runs the next job', async () => {
  const client = new JobClient(ANALYSIS_WORKER, ORT_WORKER);
  try {
    const token = { isCancellationRequested: false };
    let seen = 0;
    const job = client.run('analyze', { path: big, options: { backend: 'js', device: 'cpu' } }, { token, onProgress: () => (token.isCancellationRequested = ++seen >= 2) });
    await assert.rejects(job, CancelledError);
    const worker = client.worker;
    assert.ok(worker !== null && worker.threadId > 0, 'the worker answered the cancel and was kept');
    assert.equal((await client.run('analyze', { path: corpusPath('peft-tinygpt2'), options: { backend: 'js', device: 'cpu' } })).output.modules.length, 6);
    assert.equal(client.worker, worker);
  } finally {
    await client.dispose();
  }
});

test('a worker that dies mid-job fails that job with the reason; the next job gets a new worker', async () => {
  const client = new JobClient(ANALYSIS_WORKER, ORT_WORKER);
  try {
    let killed = false;
    const job = client.run(
      'analyze',
      { path: big, options: { backend: 'js', device: 'cpu' } },
      {
        onProgress: () => {
          if (killed) return;
          killed = true;
          void (client as unknown as { worker: Worker }).worker.terminate();
        },
      },
    );
    await assert.rejects(job, (e: unknown) => e instanceof WorkerCrashedError && /stopped unexpectedly \(exit code 1\)/.test(e.message));
    const next = await client.run('analyze', { path: corpusPath('peft-tinygpt2'), options: { backend: 'js', device: 'cpu' } });
    assert.equal(next.output.modules.length, 6);
  } finally {
    await client.dispose();
  }
});

test('input errors cross the thread as the same typed errors', async () => {
  const client = new JobClient(ANALYSIS_WORKER, ORT_WORKER);
  try {
    await assert.rejects(
      client.run('analyze', { path: corpusPath('_negative', 'git-lfs-pointer.safetensors'), options: { backend: 'auto', device: 'auto' } }),
      (e: unknown) => e instanceof SafetensorsError && e.code === 'NOT_SAFETENSORS' && /Git LFS pointer/.test(e.message),
    );
    if (!ortInfo().providers.some((p) => p.name === 'cuda' && p.available)) {
      await assert.rejects(client.run('analyze', { path: corpusPath('peft-tinygpt2'), options: { backend: 'onnxruntime', device: 'cuda' } }), DeviceUnavailableError);
    }
    // The worker survives both and still works.
    assert.equal((await client.run('analyze', { path: corpusPath('peft-tinygpt2'), options: { backend: 'js', device: 'cpu' } })).output.modules.length, 6);
  } finally {
    await client.dispose();
  }
});

test('if the ORT worker dies, its outstanding request fails with the reason and a new worker serves the next', async () => {
  const rng = Rng.fresh();
  const marker = join(dir, `crashed-${rng.seed}`);
  const crashing = join(__dirname, '..', '..', 'helpers', 'crashingOrtWorker.js');
  const backend = new WorkerOrtBackend(crashing, { device: 'cpu', threads: 1, marker } as OrtWorkerData);
  try {
    assert.equal((await backend.start()).provider, 'cpu');
    const factor = () => ({ rows: 2000, cols: 16, layout: 'tall' as const, values: Float32Array.from(gaussian(rng, 2000, 16).data) });
    await assert.rejects(backend.triangularFactors([factor(), factor()]), /the ORT worker stopped: exit code 1/);
    const [R] = await backend.triangularFactors([factor()]);
    assert.equal(R.rows, 16);
  } finally {
    await backend.dispose();
  }
});

test('cancelling or disposing during ORT runs ends the job cleanly: the worker is only stopped between runs', async () => {
  // Ending a thread inside an ORT run aborts the whole process, so this test passing at all is
  // the assertion that matters; each round cancels at a different point of the pipeline.
  for (const stopAfter of [1, 4, 9]) {
    const client = new JobClient(ANALYSIS_WORKER, ORT_WORKER);
    const token = { isCancellationRequested: false };
    let seen = 0;
    const job = client.run(
      'analyze',
      { path: big, options: { backend: 'onnxruntime', device: 'cpu' } },
      { token, onProgress: () => (token.isCancellationRequested = ++seen >= stopAfter) },
    );
    await assert.rejects(job, CancelledError);
    assert.ok(seen < 160, `stopped early (${seen} modules)`);
    // A job right after the cancel, then dispose while a second big job is mid-run.
    assert.equal((await client.run('analyze', { path: corpusPath('peft-tinygpt2'), options: { backend: 'onnxruntime', device: 'cpu' } })).output.modules.length, 6);
    let started = false;
    const running = client.run('analyze', { path: big, options: { backend: 'onnxruntime', device: 'cpu' } }, { onProgress: () => (started = true) });
    running.catch(() => undefined);
    while (!started) await new Promise((resolve) => setTimeout(resolve, 5));
    await client.dispose();
    await assert.rejects(running, CancelledError);
  }
});

test('dispose cancels the jobs queued behind the running one: none of them starts a new worker afterwards', async () => {
  const client = new JobClient(ANALYSIS_WORKER, ORT_WORKER);
  let started = false;
  const running = client.run('analyze', { path: big, options: { backend: 'js', device: 'cpu' } }, { onProgress: () => (started = true) });
  const queued = client.run('analyze', { path: corpusPath('peft-tinygpt2'), options: { backend: 'js', device: 'cpu' } });
  running.catch(() => undefined);
  queued.catch(() => undefined);
  while (!started) await new Promise((resolve) => setTimeout(resolve, 5));
  await client.dispose();
  await assert.rejects(running, CancelledError);
  await assert.rejects(queued, CancelledError);
  assert.equal(client.worker, null, 'no worker was started for the queued job');
  // A job asked for after dispose runs as usual, on a new worker.
  assert.equal((await client.run('analyze', { path: corpusPath('peft-tinygpt2'), options: { backend: 'js', device: 'cpu' } })).output.modules.length, 6);
  await client.dispose();
});
