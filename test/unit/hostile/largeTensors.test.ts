import { strict as assert } from 'node:assert';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openSafetensors } from '../../../src/core/safetensors/reader';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { SPARSE_EXTRA, TWO_GIB, writeSparsePeftAdapter } from '../../helpers/sparseFile';
import { runCli } from '../cli/runCli';

/**
 * A `modules_to_save` weight past 2 GiB (an F32 [1, 2^29 + 16], the size of an F32 large-vocab
 * head) beside a small LoRA, in a sparse file. One `read` of 2 GiB aborted Node, and resize
 * copied the weight with one read (leaving its temporary file behind). inspect, a dry run and a
 * real resize must all finish with exit 0, and the copy must be byte for byte.
 */

const ELEMENTS = 2 ** 29 + 16;
const POKES = [
  { offset: 0, value: 0x3f },
  { offset: TWO_GIB - 1, value: 0xa5 },
  { offset: TWO_GIB, value: 0x5a },
  { offset: 4 * ELEMENTS - 1, value: 0x40 },
];

test('inspect, resize --dry-run and a real resize of an adapter with a 2 GiB modules_to_save weight finish; the weight is copied byte for byte', async () => {
  const dir = await tempDir();
  try {
    const { path } = await writeSparsePeftAdapter(dir, ELEMENTS, POKES);
    const inspected = runCli(['inspect', dir, '--json']);
    assert.equal(inspected.status, 0, inspected.stderr);
    const report = JSON.parse(inspected.stdout) as { modules: unknown[]; otherTensors: { name: string }[] };
    assert.equal(report.modules.length, 1);
    assert.deepEqual(
      report.otherTensors.map((t) => t.name),
      [SPARSE_EXTRA],
    );
    const dry = runCli(['resize', path, '--method', 'fixed', '--param', '1', '--dry-run', '--json']);
    assert.equal(dry.status, 0, dry.stderr);
    const out = join(dir, 'out');
    const resized = runCli(['resize', path, '--out', out, '--method', 'fixed', '--param', '1', '--quiet']);
    assert.equal(resized.status, 0, resized.stderr);
    assert.deepEqual(
      (await readdir(out)).filter((n) => n.endsWith('.tmp')),
      [],
      'no temporary file is left',
    );
    const file = await openSafetensors(join(out, 'adapter_model.safetensors'));
    try {
      const info = file.header.byName.get(SPARSE_EXTRA);
      assert.ok(info, 'the weight is in the output');
      assert.deepEqual(info.shape, [1, ELEMENTS]);
      for (const p of POKES) {
        const bytes = await file.readBytes(info, { start: Math.floor(p.offset / 4), count: 1 });
        assert.equal(bytes[p.offset % 4], p.value, `byte ${p.offset} of the copy`);
      }
      assert.deepEqual(await file.readBytes(info, { start: TWO_GIB / 4 + 1, count: 1 }), new Uint8Array(4), 'the hole is copied as zeros');
    } finally {
      await file.close();
    }
  } finally {
    await removeDir(dir);
  }
});
