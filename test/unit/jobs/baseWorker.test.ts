import { strict as assert } from 'node:assert';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { analyzeAgainstBase } from '../../../src/core/base/analyzeBase';
import { BaseModel } from '../../../src/core/base/baseModel';
import { BaseModelError } from '../../../src/core/base/errors';
import { CancelledError } from '../../../src/core/cancellation';
import { JsDenseEngine } from '../../../src/core/compute/dense';
import { JobClient } from '../../../src/core/jobs/client';
import { seededNormals } from '../../../src/core/jobs/seededNormals';
import { writeBaseFixture } from '../../helpers/baseFixture';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

const ANALYSIS_WORKER = join(__dirname, '..', '..', '..', 'src', 'core', 'jobs', 'analysisWorker.js');
const ORT_WORKER = join(__dirname, '..', '..', '..', 'src', 'core', 'compute', 'worker', 'ortWorker.js');

test('a base job in the worker returns what analyzeAgainstBase returns in-thread (same seed), typed arrays intact, progress per module', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const client = new JobClient(ANALYSIS_WORKER, ORT_WORKER);
  try {
    const fixture = await writeBaseFixture(dir, rng);
    const seed = rng.int(1, 2 ** 30);
    const base = await BaseModel.open(fixture.base);
    const opened = await openAdapter(fixture.adapter);
    const want = await analyzeAgainstBase(opened, base, new JsDenseEngine(), { k: 4, gaussian: seededNormals(seed) }).finally(async () => {
      await opened.file.close();
      await base.close();
    });
    const progress: number[] = [];
    const { output: result, seconds } = await client.run(
      'base',
      { adapterPath: fixture.adapter, basePath: fixture.base, options: { k: 4, seed, compute: { backend: 'js', device: 'cpu' } } },
      { onProgress: ({ done, total }) => progress.push(done, total) },
    );
    assert.ok(seconds >= 0);
    assert.deepEqual(result.analysis, want, rng.tag);
    assert.equal(result.base.engine, 'js');
    assert.equal(result.base.shards.length, 2);
    assert.equal(result.base.epsilon, 0.5);
    const first = result.analysis.modules.find((m) => m.status === 'ok');
    assert.ok(first && first.status === 'ok' && first.alignment.columnCosines instanceof Float64Array && first.conversion.CB.data instanceof Float64Array);
    assert.deepEqual(
      progress,
      want.modules.flatMap((_, i) => [i + 1, want.modules.length]),
    );
    assert.deepEqual(
      result.analysis.modules
        .filter((m) => m.status === 'skipped')
        .map((m) => m.name)
        .sort(),
      ['model.layers.0.mlp.down_proj', 'model.layers.5.self_attn.v_proj'],
    );
  } finally {
    await client.dispose();
    await removeDir(dir);
  }
});

test('a cancelled base job rejects with CancelledError; a missing shard arrives as a typed BaseModelError; the next job runs', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const client = new JobClient(ANALYSIS_WORKER, ORT_WORKER);
  try {
    const fixture = await writeBaseFixture(dir, rng);
    const token = { isCancellationRequested: false };
    let seen = 0;
    const options = { k: 4, compute: { backend: 'js', device: 'cpu' } } as const;
    const input = { adapterPath: fixture.adapter, basePath: fixture.base, options };
    await assert.rejects(client.run('base', input, { token, onProgress: () => (token.isCancellationRequested = ++seen >= 2) }), CancelledError);
    assert.ok(seen < 13, `stopped early (${seen} modules)`);
    assert.equal((await client.run('base', input)).output.analysis.modules.length, 13);
    await rm(fixture.secondShard);
    await assert.rejects(client.run('base', input), (e: unknown) => e instanceof BaseModelError && e.code === 'MISSING_SHARD' && e.path.length > 0);
  } finally {
    await client.dispose();
    await removeDir(dir);
  }
});
