import { strict as assert } from 'node:assert';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { FeatureError } from '../../../src/core/predict/errors';
import { mergeScanShards, type MergeOptions } from '../../../src/core/predict/scan/merge';
import { parseScan } from '../../../src/core/predict/scan/scanOutput';
import { ShardError, type ShardErrorCode } from '../../../src/core/predict/scan/shard';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { scanAllShards, scanHere, writeShardZoo, ZOO_KEYS } from './shardFixtures';

/** The merge is refused with `code` (and a message matching `says`), and writes nothing. */
async function refused(options: MergeOptions, code: ShardErrorCode, says: RegExp): Promise<void> {
  await assert.rejects(mergeScanShards(options), (e: unknown) => e instanceof ShardError && e.code === code && e.inputError && says.test(e.message), `${code} ${says}`);
  await assert.rejects(readFile(options.out), /ENOENT/, 'nothing is written');
}

test('scan-merge refuses shards that are not of one scan, duplicates, absent or unfinished shards, and never replaces a file unforced', async () => {
  const rng = Rng.fresh();
  const root = await tempDir();
  try {
    const zoo = join(root, 'zoo');
    await writeShardZoo(rng, zoo);
    const k = rng.int(2, 5);
    await mkdir(join(root, 'a'));
    await mkdir(join(root, 'b'));
    await mkdir(join(root, 'c'));
    // ZOO_KEYS fall into both shards of two (see shardOf): 1/2 holds alpha/run-1, beta/run-0, …
    const [s1, s2] = await scanAllShards(zoo, join(root, 'a'), 'csv', 2, k);
    const [, other2] = await scanAllShards(zoo, join(root, 'b'), 'csv', 2, k + 1);
    const [third] = await scanAllShards(zoo, join(root, 'c'), 'csv', 3, k);
    const out = join(root, 'merged.csv');

    await refused({ out, format: 'csv', inputs: [s1, other2] }, 'MERGE_MISMATCH', /different columns/);
    await refused({ out, format: 'csv', inputs: [s1, third] }, 'MERGE_MISMATCH', /of 2 shards/);
    await refused({ out, format: 'jsonl', inputs: [s1, s2] }, 'MERGE_MISMATCH', /CSV shard outputs lack/);
    const copy = join(root, 'copy.shard-1-of-2.csv');
    await copyFile(s1, copy);
    await refused({ out, format: 'csv', inputs: [s1, s2, copy] }, 'MERGE_DUPLICATE', /are both shard 1\/2/);
    const lines = (await readFile(s1, 'utf8')).trimEnd().split('\r\n');
    await writeFile(copy, `${[...lines, lines[1]].join('\r\n')}\r\n`);
    await refused({ out, format: 'csv', inputs: [copy, s2] }, 'MERGE_DUPLICATE', /has a row in .* and in /);
    // Shard 1's rows relabelled as shard 2's: their paths hash to shard 1.
    await writeFile(copy, (await readFile(s1, 'utf8')).replaceAll('1/2', '2/2'));
    await refused({ out, format: 'csv', inputs: [copy] }, 'NOT_SHARD_OUTPUT', /is shard 2\/2 but holds .*, an adapter of shard 1\/2/);
    await refused({ out, format: 'csv', inputs: [s1] }, 'MERGE_MISSING', /shards 2 of 2 are missing/);
    await scanHere(zoo, join(root, 'whole.csv'), 'csv', { k });
    await refused({ out, format: 'csv', inputs: [s1, join(root, 'whole.csv')] }, 'NOT_SHARD_OUTPUT', /whole scan's output/);
    await writeFile(`${s2}.lock`, `${process.pid}\nsomewhere\n`);
    await refused({ out, format: 'csv', inputs: [s1, s2] }, 'SHARD_INCOMPLETE', /locked by its scan/);
    const shardText = await readFile(s1, 'utf8');
    await assert.rejects(
      mergeScanShards({ out: s1, format: 'csv', inputs: [s1, s2], force: true }),
      (e: unknown) => e instanceof ShardError && e.code === 'OUTPUT_EXISTS' && /also one of the shard outputs/.test(e.message),
    );
    assert.equal(await readFile(s1, 'utf8'), shardText);
    await removeDir(`${s2}.lock`);

    const partial = await mergeScanShards({ out, format: 'csv', inputs: [s2], allowMissing: true });
    assert.deepEqual([partial.present, partial.missing, partial.count], [[2], [1], 2]);
    assert.equal(partial.rows, parseScan('csv', await readFile(s2, 'utf8')).rows.length);
    const text = await readFile(out, 'utf8');
    await assert.rejects(mergeScanShards({ out, format: 'csv', inputs: [s1, s2] }), (e: unknown) => e instanceof ShardError && e.code === 'OUTPUT_EXISTS');
    assert.equal(await readFile(out, 'utf8'), text, 'left as it was');
    const full = await mergeScanShards({ out, format: 'csv', inputs: [s2, s1], force: true });
    assert.deepEqual([full.rows, full.missing], [ZOO_KEYS.length, []]);
    assert.equal(await readFile(out, 'utf8'), await readFile(join(root, 'whole.csv'), 'utf8'), `the order of the inputs does not matter ${rng.tag}`);
    assert.equal(
      parseScan('csv', await readFile(out, 'utf8'))
        .rows.map((r) => r.path)
        .join('|'),
      [...ZOO_KEYS].sort().join('|'),
    );
  } finally {
    await removeDir(root);
  }
});

test('a shard output resumes only as the same shard; a broken shard file is not a scan output', async () => {
  const rng = Rng.fresh();
  const root = await tempDir();
  try {
    await writeShardZoo(rng, root, ZOO_KEYS.slice(0, 4));
    const out = join(root, 'features.shard-1-of-2.jsonl');
    await scanHere(root, out, 'jsonl', { shard: { index: 1, count: 2 } });
    for (const shard of [{ index: 2, count: 2 }, { index: 1, count: 3 }, undefined]) {
      await assert.rejects(
        scanHere(root, out, 'jsonl', shard ? { shard } : {}),
        (e: unknown) => e instanceof ShardError && e.code === 'SHARD_MISMATCH' && /holds shard 1\/2; resume it with the same --shard/.test(e.message),
        JSON.stringify(shard),
      );
    }
    const whole = join(root, 'whole.jsonl');
    await scanHere(root, whole, 'jsonl');
    await assert.rejects(scanHere(root, whole, 'jsonl', { shard: { index: 1, count: 2 } }), (e: unknown) => e instanceof ShardError && /holds a whole scan/.test(e.message));
    const text = await readFile(out, 'utf8');
    await writeFile(out, text.replace('"shard":"1/2"', '"shard":"3/2"'));
    await assert.rejects(
      mergeScanShards({ out: join(root, 'm.jsonl'), format: 'jsonl', inputs: [out] }),
      (e: unknown) => e instanceof FeatureError && e.code === 'NOT_SCAN_OUTPUT' && /shard "3\/2" is not K\/N/.test(e.message),
    );
  } finally {
    await removeDir(root);
  }
});
