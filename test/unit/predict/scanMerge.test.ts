import { strict as assert } from 'node:assert';
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { scanMergeCommand, shardFiles } from '../../../src/cli/scanMerge';
import { FeatureError } from '../../../src/core/predict/errors';
import { mergeScanShards, type MergeOptions } from '../../../src/core/predict/scan/merge';
import { parseScan } from '../../../src/core/predict/scan/scanOutput';
import { shardOf, ShardError, type ShardErrorCode } from '../../../src/core/predict/scan/shard';
import { textSafe } from '../../../src/core/report/escape';
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

/**
 * Keys CSV shows through escapes (csvCell): a ZWNJ and a soft hyphen. Escaped, some hash to the
 * other shard of two, and `zw/a\u200cb` sorts after `zw/a~` though its escape sorts before it.
 */
const UNSAFE_KEYS = ['zw/a\u200cb', 'zw/a~', 'zw/soft\u00adhyphen', 'zw/x\u200cy'];

test('shards of keys with format characters (ZWNJ, soft hyphen) merge, from CSV, JSONL or both, to the whole scan byte for byte', async () => {
  const rng = Rng.fresh();
  const root = await tempDir();
  try {
    const zoo = join(root, 'zoo');
    await writeShardZoo(rng, zoo, [...ZOO_KEYS.slice(0, 3), ...UNSAFE_KEYS]);
    assert.ok(
      UNSAFE_KEYS.some((key) => shardOf(key, 2) !== shardOf(textSafe(key), 2)),
      'some escaped key hashes to another shard',
    );
    const k = rng.int(2, 4);
    await mkdir(join(root, 'shards'));
    const csv = await scanAllShards(zoo, join(root, 'shards'), 'csv', 2, k);
    const jsonl = await scanAllShards(zoo, join(root, 'shards'), 'jsonl', 2, k);
    await scanHere(zoo, join(root, 'whole.csv'), 'csv', { k });
    await scanHere(zoo, join(root, 'whole.jsonl'), 'jsonl', { k });
    const whole = await readFile(join(root, 'whole.csv'), 'utf8');
    for (const [name, inputs] of [
      ['csv', csv],
      ['jsonl', jsonl],
      ['mixed', [csv[0], jsonl[1]]],
    ] as const) {
      const out = join(root, `merged-${name}.csv`);
      await mergeScanShards({ out, format: 'csv', inputs });
      assert.equal(await readFile(out, 'utf8'), whole, `${name} ${rng.tag}`);
    }
    await mergeScanShards({ out: join(root, 'merged.jsonl'), format: 'jsonl', inputs: [csv[0], jsonl[1]] });
    assert.equal(await readFile(join(root, 'merged.jsonl'), 'utf8'), await readFile(join(root, 'whole.jsonl'), 'utf8'), 'JSONL records the keys themselves');
    await refused({ out: join(root, 'twice.csv'), format: 'csv', inputs: [csv[0], jsonl[0], csv[1]] }, 'MERGE_DUPLICATE', /are both shard 1\/2/);
  } finally {
    await removeDir(root);
  }
});

test('a folder gives only the shards named after the merged table; other scans and formats beside them are left out', async () => {
  const rng = Rng.fresh();
  const root = await tempDir();
  try {
    const zoo = join(root, 'zoo');
    await writeShardZoo(rng, zoo, ZOO_KEYS.slice(0, 5));
    const shared = join(root, 'out');
    await mkdir(shared);
    const csv = await scanAllShards(zoo, shared, 'csv', 2);
    const jsonl = await scanAllShards(zoo, shared, 'jsonl', 2);
    await scanHere(zoo, join(shared, 'other.shard-1-of-3.csv'), 'csv', { shard: { index: 1, count: 3 } });
    await writeFile(join(shared, 'features.shard-1-of-2.csv.lock.old'), '');
    assert.deepEqual(await shardFiles(shared, join(root, 'features.csv')), csv);
    assert.deepEqual(await shardFiles(shared, 'features.jsonl'), jsonl);
    assert.deepEqual(await shardFiles(shared, 'other.csv'), [join(shared, 'other.shard-1-of-3.csv')]);
    await assert.rejects(shardFiles(shared, 'merged.csv'), (e: unknown) => e instanceof ShardError && e.code === 'NOT_SHARD_OUTPUT' && /merged\.shard-K-of-N\.csv/.test(e.message));
    const out = join(root, 'features.csv');
    const said = await scanMergeCommand({ command: 'scan-merge', out, format: 'csv', inputs: [shared], force: false, allowMissing: false });
    assert.match(said, /: 5 rows from 2 of 2 shards/);
    await scanHere(zoo, join(root, 'whole.csv'), 'csv');
    assert.equal(await readFile(out, 'utf8'), await readFile(join(root, 'whole.csv'), 'utf8'), rng.tag);
  } finally {
    await removeDir(root);
  }
});

test('a merge larger than a scan output may be is refused before any input is read', async () => {
  const rng = Rng.fresh();
  const root = await tempDir();
  try {
    const zoo = join(root, 'zoo');
    await writeShardZoo(rng, zoo, ZOO_KEYS.slice(0, 5));
    const inputs = await scanAllShards(zoo, root, 'csv', 2);
    const total = (await Promise.all(inputs.map((p) => stat(p)))).reduce((sum, s) => sum + s.size, 0);
    const out = join(root, 'merged.csv');
    await refused({ out, format: 'csv', inputs, maxBytes: total - 1 }, 'MERGE_TOO_LARGE', new RegExp(`hold ${total} bytes, more than the ${total - 1}`));
    const merged = await mergeScanShards({ out, format: 'csv', inputs, maxBytes: total });
    assert.equal(merged.rows, 5);
    assert.ok((await stat(out)).size <= total, 'a CSV table is no larger than its CSV shards');
  } finally {
    await removeDir(root);
  }
});
