import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { CancelledError } from '../../../src/core/cancellation';
import { JobClient } from '../../../src/core/jobs/client';
import { SafetensorsError } from '../../../src/core/safetensors/errors';
import { checkpointSeries } from '../../../src/core/subspace/checkpoints';
import { compareAdapters } from '../../../src/core/subspace/compare';
import { crossLayerMaps } from '../../../src/core/subspace/crossLayer';
import { corpusPath } from '../../helpers/fixtures';

const ANALYSIS_WORKER = join(__dirname, '..', '..', '..', 'src', 'core', 'jobs', 'analysisWorker.js');
const ORT_WORKER = join(__dirname, '..', '..', '..', 'src', 'core', 'compute', 'worker', 'ortWorker.js');
const EARLY = corpusPath('peft-roberta-mrpc-ckpts', 'checkpoint-230');
const FINAL = corpusPath('peft-roberta-mrpc-ckpts', 'checkpoint-460');

/** Runs `use` on both checkpoints opened in this thread: the reference the worker must match. */
async function inThread<T>(use: (a: Awaited<ReturnType<typeof openAdapter>>, b: Awaited<ReturnType<typeof openAdapter>>) => Promise<T>): Promise<T> {
  const [a, b] = [await openAdapter(EARLY), await openAdapter(FINAL)];
  try {
    return await use(a, b);
  } finally {
    await a.file.close();
    await b.file.close();
  }
}

test('compare in the worker returns what compareAdapters returns in-thread, typed arrays intact, with progress per module', async () => {
  const first = await inThread((a) => Promise.resolve(a.adapter.modules[0].name));
  const want = await inThread((a, b) => compareAdapters(a, b, { grids: [first] }));
  const client = new JobClient(ANALYSIS_WORKER, ORT_WORKER);
  try {
    const progress: number[] = [];
    const { output: result, seconds } = await client.run(
      'compare',
      { pathA: EARLY, pathB: FINAL, options: { grids: [first] } },
      { onProgress: ({ done, total }) => progress.push(done, total) },
    );
    assert.ok(seconds >= 0);
    assert.deepEqual(result, want);
    assert.ok(result.modules[0].column.cosines instanceof Float64Array);
    assert.ok(result.modules[0].grid?.column.data instanceof Float64Array);
    assert.deepEqual(
      progress,
      want.modules.flatMap((_, i) => [i + 1, want.modules.length]),
    );
  } finally {
    await client.dispose();
  }
});

test('compare with `only` compares just the named modules of A and lists the rest of B as unmatched', async () => {
  const client = new JobClient(ANALYSIS_WORKER, ORT_WORKER);
  try {
    const full = (await client.run('compare', { pathA: EARLY, pathB: FINAL })).output;
    const name = full.modules[3].name;
    const { output: result } = await client.run('compare', { pathA: EARLY, pathB: FINAL, options: { only: [name], grids: [name] } });
    assert.equal(result.modules.length, 1);
    assert.equal(result.modules[0].cosine, full.modules[3].cosine);
    assert.ok(result.modules[0].grid);
    assert.equal(result.unmatched.filter((u) => u.side === 'b').length, full.modules.length - 1);
  } finally {
    await client.dispose();
  }
});

test('checkpoints and cross-layer maps in the worker equal the in-thread core results', async () => {
  const series = await checkpointSeries([FINAL, EARLY]);
  const maps = await inThread((a) => crossLayerMaps(a));
  const client = new JobClient(ANALYSIS_WORKER, ORT_WORKER);
  try {
    let reported = 0;
    const got = await client.run('checkpoints', { paths: [FINAL, EARLY] }, { onProgress: () => reported++ });
    assert.deepEqual(got.output, series);
    assert.equal(reported, series.modules.length);
    assert.deepEqual((await client.run('crossLayer', { path: EARLY })).output, maps);
    // The analysis path still works on the same worker after subspace jobs.
    assert.equal((await client.run('analyze', { path: corpusPath('peft-tinygpt2'), options: { backend: 'js', device: 'cpu' } })).output.modules.length, 6);
  } finally {
    await client.dispose();
  }
});

test('a cancelled subspace job rejects with CancelledError, and errors cross as typed errors; the next job runs', async () => {
  const client = new JobClient(ANALYSIS_WORKER, ORT_WORKER);
  try {
    const token = { isCancellationRequested: false };
    let seen = 0;
    await assert.rejects(client.run('compare', { pathA: EARLY, pathB: FINAL }, { token, onProgress: () => (token.isCancellationRequested = ++seen >= 2) }), CancelledError);
    assert.ok(seen < 48, `stopped early (${seen} modules)`);
    await assert.rejects(
      client.run('crossLayer', { path: corpusPath('_negative', 'git-lfs-pointer.safetensors') }),
      (e: unknown) => e instanceof SafetensorsError && e.code === 'NOT_SAFETENSORS' && e.inputError,
    );
    assert.ok((await client.run('crossLayer', { path: FINAL })).output.groups.length > 0);
  } finally {
    await client.dispose();
  }
});
