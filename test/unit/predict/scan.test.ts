import { strict as assert } from 'node:assert';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { FeatureError } from '../../../src/core/predict/errors';
import { scanAdapters, type ScanEvent, type ScanOptions } from '../../../src/core/predict/scan/scan';
import { parseScan, type ScanFormat } from '../../../src/core/predict/scan/scanOutput';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { analyseHere, randomModules, writePeftAdapter, type FixtureModule } from './predictFixtures';

/** A root with `valid` adapters of one layout, one file that is not safetensors, and one of other modules. */
async function scanRoot(rng: Rng, root: string, valid: number): Promise<FixtureModule[]> {
  const modules = randomModules(rng, rng.int(2, 3));
  for (let i = 0; i < valid; i++) await writePeftAdapter(join(root, 'runs', `run-${i}`), rng, modules, rng.int(1, 6));
  await mkdir(join(root, 'broken'), { recursive: true });
  await writeFile(join(root, 'broken', 'adapter_model.safetensors'), 'version https://git-lfs.github.com/spec/v1\n');
  await writePeftAdapter(join(root, 'other'), rng, modules.slice(0, 1), 2);
  return modules;
}

/** Options with an in-thread analysis that counts its calls. */
function counted(root: string, out: string, format: ScanFormat, extra: Partial<ScanOptions> = {}): { options: ScanOptions; calls: string[]; events: ScanEvent[] } {
  const calls: string[] = [];
  const events: ScanEvent[] = [];
  const options: ScanOptions = {
    root,
    out,
    format,
    analyze: async (path) => {
      calls.push(path);
      return (await analyseHere(path)).modules;
    },
    onEvent: (e) => events.push(e),
    ...extra,
  };
  return { options, calls, events };
}

for (const format of ['csv', 'jsonl'] as const) {
  test(`scan (${format}) writes a row per valid adapter, reports and skips the others, and resumes without recomputing`, async () => {
    const rng = Rng.fresh();
    const root = await tempDir();
    try {
      const valid = rng.int(2, 4);
      const modules = await scanRoot(rng, root, valid);
      const out = join(root, `features.${format}`);
      const k = rng.int(2, 6);
      const first = counted(root, out, format, { k });
      const summary = await scanAdapters(first.options);
      assert.equal(first.calls.length, valid, `one analysis per valid adapter ${rng.tag}`);
      assert.equal(summary.rows, valid);
      assert.deepEqual(
        summary.skipped.map((s) => s.path),
        ['broken', 'other'],
        rng.tag,
      );
      assert.match(summary.skipped[1].reason, /does not fit layout spectra-v1:k=/);
      assert.deepEqual(
        first.events.filter((e) => e.type === 'skipped').map((e) => (e.type === 'skipped' ? e.path : '')),
        ['broken', 'other'],
      );
      const written = parseScan(format, await readFile(out, 'utf8'));
      assert.equal(written.k, k);
      assert.equal(written.layoutId, summary.layout);
      assert.deepEqual(
        written.rows.map((r) => r.path),
        Array.from({ length: valid }, (_, i) => `runs/run-${i}`),
      );
      assert.equal(written.columns.length, modules.length * (k + 2));
      const direct = await analyseHere(join(root, 'runs', 'run-0'));
      const sigma = direct.modules[0].status === 'ok' ? direct.modules[0].singularValues : new Float64Array();
      assert.equal(written.rows[0].features[0], sigma[0], `numbers round-trip exactly ${rng.tag}`);

      await writePeftAdapter(join(root, 'runs', `run-${valid}`), rng, modules, 3);
      const before = await readFile(out, 'utf8');
      const second = counted(root, out, format);
      const resumed = await scanAdapters(second.options);
      assert.deepEqual(second.calls, [join(root, 'runs', `run-${valid}`)], `only the new adapter is analysed ${rng.tag}`);
      assert.deepEqual([resumed.kept, resumed.added, resumed.rows], [valid, 1, valid + 1]);
      const after = await readFile(out, 'utf8');
      assert.ok(after.startsWith(before.trimEnd()), 'the earlier rows are kept as they were, the new one appended');
      assert.equal(parseScan(format, after).k, k, "the existing output's k is kept");
      await assert.rejects(scanAdapters(counted(root, out, format, { k: k + 1 }).options), (e: unknown) => e instanceof FeatureError && e.message.includes(`written with k=${k}`));
    } finally {
      await removeDir(root);
    }
  });
}

test('scan refuses to overwrite a file that is not its output, unless forced', async () => {
  const rng = Rng.fresh();
  const root = await tempDir();
  try {
    await scanRoot(rng, root, 2);
    for (const [name, text] of [
      ['labels.csv', 'adapter,rank\r\nadapter-000,4\r\n'],
      ['notes.jsonl', '{"path":"x","features":[]}\n'],
      ['empty.csv', ''],
    ] as const) {
      const out = join(root, name);
      await writeFile(out, text);
      const format = name.endsWith('.csv') ? 'csv' : 'jsonl';
      const run = counted(root, out, format);
      await assert.rejects(scanAdapters(run.options), (e: unknown) => e instanceof FeatureError && e.code === 'NOT_SCAN_OUTPUT' && e.message.includes('--force'), name);
      assert.equal(await readFile(out, 'utf8'), text, `${name} is left as it was`);
      assert.equal(run.calls.length, 0, 'nothing is analysed before the output is known to be writable');
    }
    const out = join(root, 'labels.csv');
    const forced = await scanAdapters(counted(root, out, 'csv', { force: true }).options);
    assert.equal(forced.rows, 2, rng.tag);
    assert.match(await readFile(out, 'utf8'), /^path,layout,/);
  } finally {
    await removeDir(root);
  }
});
