import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { mergeScanShards } from '../../../src/core/predict/scan/merge';
import { parseScan } from '../../../src/core/predict/scan/scanOutput';
import { MAX_SHARDS, parseShard, shardOf, ShardError } from '../../../src/core/predict/scan/shard';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { writePeftAdapter } from './predictFixtures';
import { scanAllShards, scanHere, writeShardZoo, ZOO_KEYS } from './shardFixtures';

/** The built CLI bundle (npm test builds it first), run as a user runs it. */
const CLI = join(__dirname, '..', '..', '..', '..', 'dist', 'cli.js');
const run = promisify(execFile);

function cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
}

test('--shard K/N: 1-based K of at most MAX_SHARDS; anything else is refused in words', () => {
  assert.deepEqual(parseShard('2/4'), { index: 2, count: 4 });
  assert.deepEqual(parseShard(`${MAX_SHARDS}/${MAX_SHARDS}`), { index: MAX_SHARDS, count: MAX_SHARDS });
  for (const bad of ['0/4', '5/4', '1/0', `1/${MAX_SHARDS + 1}`, '3', 'a/b', '-1/4', '1.5/4', '', '1/4/2'])
    assert.throws(
      () => parseShard(bad),
      (e: unknown) => e instanceof ShardError && e.code === 'INVALID_SHARD' && e.inputError,
      bad,
    );
});

test('an adapter’s shard is the documented hash of its key alone, and spreads keys evenly', () => {
  const rng = Rng.fresh();
  const count = rng.int(2, 12);
  const keys = Array.from({ length: 4000 }, (_, i) => `runs/${i}/checkpoint-${i % 7}`);
  const sizes = new Array<number>(count).fill(0);
  for (const key of keys) {
    const shard = shardOf(key, count);
    const documented = Number(createHash('sha256').update(Buffer.from(key, 'utf8')).digest().readUIntBE(0, 6) % count) + 1;
    assert.equal(shard, documented, key);
    sizes[shard - 1]++;
  }
  // 4000/count keys each; five standard deviations of the binomial either side.
  const mean = keys.length / count;
  const spread = 5 * Math.sqrt(mean);
  for (const [i, n] of sizes.entries()) assert.ok(Math.abs(n - mean) < spread, `shard ${i + 1} of ${count} holds ${n} keys, expected ${mean.toFixed(0)} ± ${spread.toFixed(0)}`);
});

test('four shards run as separate CLI processes, merged, equal one scan of the whole zoo byte for byte', async () => {
  const rng = Rng.fresh();
  const root = await tempDir();
  try {
    const zoo = join(root, 'zoo');
    await writeShardZoo(rng, zoo);
    const k = String(rng.int(2, 6));
    const whole = join(root, 'whole.csv');
    await cli('scan', zoo, '--out', whole, '--k', k, '--quiet');
    const shards = join(root, 'shards');
    await mkdir(shards);
    const ran = await Promise.all([1, 2, 3, 4].map((index) => cli('scan', zoo, '--out', join(shards, 'features.csv'), '--k', k, '--shard', `${index}/4`, '--quiet')));
    ran.forEach((r, i) => assert.match(r.stdout, new RegExp(`^shard ${i + 1}/4: wrote .*features\\.shard-${i + 1}-of-4\\.csv`), rng.tag));
    assert.deepEqual(
      (await readdir(shards)).sort(),
      [1, 2, 3, 4].map((i) => `features.shard-${i}-of-4.csv`),
    );
    const sizes: number[] = [];
    for (let index = 1; index <= 4; index++) {
      const file = parseScan('csv', await readFile(join(shards, `features.shard-${index}-of-4.csv`), 'utf8'));
      assert.deepEqual(file.shard, { index, count: 4 }, 'the shard is recorded in its output');
      assert.deepEqual(
        file.rows.map((r) => r.path),
        ZOO_KEYS.filter((key) => shardOf(key, 4) === index),
      );
      sizes.push(file.rows.length);
    }
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      ZOO_KEYS.length,
    );
    // A folder gives the shards named after the merged table: features.shard-K-of-4.csv.
    const merged = join(root, 'features.csv');
    const said = await cli('scan-merge', merged, shards);
    assert.match(said.stdout, new RegExp(`wrote .*features\\.csv: ${ZOO_KEYS.length} rows from 4 of 4 shards`));
    const text = await readFile(merged, 'utf8');
    assert.equal(text, await readFile(whole, 'utf8'), `the merged table is the whole scan's, byte for byte ${rng.tag}`);
    await assert.rejects(cli('scan-merge', merged, shards), (e: unknown) => e instanceof Error && /exists; pass --force/.test(String((e as { stderr?: string }).stderr)));
    assert.equal(await readFile(merged, 'utf8'), text, 'an existing table is left as it was');
  } finally {
    await removeDir(root);
  }
});

test('JSONL shards merge to the whole scan; an added adapter is analysed by its shard alone and moves no other', async () => {
  const rng = Rng.fresh();
  const root = await tempDir();
  try {
    const zoo = join(root, 'zoo');
    const modules = await writeShardZoo(rng, zoo);
    const shards = join(root, 'shards');
    await mkdir(shards);
    const outs = await scanAllShards(zoo, shards, 'jsonl', 4);
    await scanHere(zoo, join(root, 'whole.jsonl'), 'jsonl');
    await mergeScanShards({ out: join(root, 'merged.jsonl'), format: 'jsonl', inputs: outs });
    assert.equal(await readFile(join(root, 'merged.jsonl'), 'utf8'), await readFile(join(root, 'whole.jsonl'), 'utf8'), rng.tag);

    const before = await Promise.all(outs.map((o) => readFile(o, 'utf8')));
    const added = 'delta/run-new';
    await writePeftAdapter(join(zoo, 'delta', 'run-new'), rng, modules, 3);
    const home = shardOf(added, 4);
    for (let index = 1; index <= 4; index++) {
      const again = await scanHere(zoo, outs[index - 1], 'jsonl', { shard: { index, count: 4 } });
      assert.deepEqual(again.analysedPaths, index === home ? [join(zoo, 'delta', 'run-new')] : [], `shard ${index}`);
      const after = await readFile(outs[index - 1], 'utf8');
      if (index === home) assert.ok(after.startsWith(before[index - 1]), 'its earlier rows are kept as they were');
      else assert.equal(after, before[index - 1], `shard ${index} is unchanged`);
    }
    await scanHere(zoo, join(root, 'whole2.jsonl'), 'jsonl');
    await mergeScanShards({ out: join(root, 'merged.jsonl'), format: 'jsonl', inputs: outs, force: true });
    assert.equal(await readFile(join(root, 'merged.jsonl'), 'utf8'), await readFile(join(root, 'whole2.jsonl'), 'utf8'));
  } finally {
    await removeDir(root);
  }
});

test('a shard with no adapters of its own writes its header (the layout all shards share), so a merge sees it ran', async () => {
  const rng = Rng.fresh();
  const root = await tempDir();
  try {
    await writeShardZoo(rng, root, ZOO_KEYS.slice(0, 3));
    const count = 64;
    const taken = new Set(ZOO_KEYS.slice(0, 3).map((key) => shardOf(key, count)));
    const index = [...Array(count).keys()].map((i) => i + 1).find((i) => !taken.has(i)) ?? 0;
    for (const format of ['csv', 'jsonl'] as const) {
      const out = join(root, `empty.${format}`);
      const summary = await scanHere(root, out, format, { shard: { index, count } });
      assert.deepEqual([summary.found, summary.rows, summary.analysedPaths.length], [0, 0, 0]);
      const file = parseScan(format, await readFile(out, 'utf8'));
      assert.deepEqual(file.shard, { index, count });
      assert.equal(file.rows.length, 0);
      const whole = await scanHere(root, join(root, `whole.${format}`), format);
      assert.equal(file.columns.join(), parseScan(format, await readFile(join(root, `whole.${format}`), 'utf8')).columns.join(), rng.tag);
      if (format === 'jsonl') assert.equal(file.layoutId, whole.layout);
    }
  } finally {
    await removeDir(root);
  }
});
