import { strict as assert } from 'node:assert';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeSafetensors } from '../../../src/core/safetensors/writer';
import { checkpointSeries } from '../../../src/core/subspace/checkpoints';
import { ReferenceFileError, type ReferenceErrorCode } from '../../../src/core/subspace/referenceErrors';
import { readReference, REFERENCE_LIMITS } from '../../../src/core/subspace/referenceFile';
import { fixtureBytes, removeDir, tempDir, type FixtureTensor } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { writeReference, writeRun } from './referenceRun';

async function rejectsWith(promise: Promise<unknown>, code: ReferenceErrorCode, what: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ReferenceFileError, `${what}: ${String(error)}`);
    assert.equal(error.code, code, `${what}: ${error.message}`);
    assert.equal(error.inputError, true);
    return true;
  });
}

const good: FixtureTensor[] = [
  { name: 'm.u', shape: [3], values: [1, 2, 3] },
  { name: 'm.v', shape: [2], values: [1, -1] },
];

test('hostile reference files give typed errors naming what is wrong', async () => {
  const dir = await tempDir();
  const write = async (name: string, tensors: readonly FixtureTensor[]): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, fixtureBytes(tensors));
    return path;
  };
  try {
    await readReference(await write('good.safetensors', good));
    await rejectsWith(readReference(await write('nan.safetensors', [good[0], { name: 'm.v', shape: [2], values: [1, NaN] }])), 'NOT_FINITE', 'NaN');
    await rejectsWith(readReference(await write('inf.safetensors', [good[0], { name: 'm.v', shape: [2], values: [Infinity, 1], dtype: 'F32' }])), 'NOT_FINITE', 'Inf');
    await rejectsWith(readReference(await write('nov.safetensors', [good[0]])), 'MISSING_KEY', 'u without v');
    await rejectsWith(readReference(await write('odd.safetensors', [...good, { name: 'm.w', shape: [1], values: [1] }])), 'BAD_KEY', 'odd key');
    await rejectsWith(readReference(await write('both.safetensors', [...good, { name: 'm.delta_w', shape: [3, 2], values: [1, 2, 3, 4, 5, 6] }])), 'BAD_KEY', 'two forms');
    await rejectsWith(readReference(await write('uvshape.safetensors', [{ name: 'm.u', shape: [3, 1], values: [1, 2, 3] }, good[1]])), 'BAD_SHAPE', 'u of two axes');
    await rejectsWith(readReference(await write('theta.safetensors', [...good, { name: 'm.theta', shape: [2], values: [1, 2] }])), 'BAD_SHAPE', 'θ of two values');
    await rejectsWith(readReference(await write('negtheta.safetensors', [...good, { name: 'm.theta', shape: [1], values: [-1] }])), 'BAD_VALUE', 'θ < 0');
    await rejectsWith(readReference(await write('zero.safetensors', [{ name: 'm.u', shape: [3], values: [0, 0, 0] }, good[1]])), 'BAD_VALUE', 'zero u');
    await rejectsWith(readReference(await write('zerodw.safetensors', [{ name: 'm.delta_w', shape: [2, 2], values: [0, 0, 0, 0] }])), 'BAD_VALUE', 'zero ΔW');
    await rejectsWith(readReference(await write('empty.safetensors', [])), 'NO_MODULES', 'no tensors');
    const ints = join(dir, 'int.safetensors');
    await writeFile(
      ints,
      encodeSafetensors([
        { name: 'm.u', dtype: 'I32', shape: [2], data: new Uint8Array(8) },
        { name: 'm.v', dtype: 'I32', shape: [2], data: new Uint8Array(8) },
      ]),
    );
    await rejectsWith(readReference(ints), 'BAD_DTYPE', 'integer dtype');

    const whole = await readFile(join(dir, 'good.safetensors'));
    const truncated = join(dir, 'truncated.safetensors');
    await writeFile(truncated, whole.subarray(0, whole.length - 5));
    await rejectsWith(readReference(truncated), 'TRUNCATED', 'truncated');
    const stub = join(dir, 'stub.safetensors');
    await writeFile(stub, whole.subarray(0, 5));
    await rejectsWith(readReference(stub), 'TRUNCATED', 'five bytes');
    // A header length of 2^40 bytes: refused before anything of it is read.
    const huge = new Uint8Array(64);
    new DataView(huge.buffer).setBigUint64(0, 1n << 40n, true);
    const hugeFile = join(dir, 'huge.safetensors');
    await writeFile(hugeFile, huge);
    await rejectsWith(readReference(hugeFile), 'HEADER_TOO_LARGE', 'huge header');

    const link = join(dir, 'link.safetensors');
    await symlink(join(dir, 'good.safetensors'), link);
    await rejectsWith(readReference(link), 'NOT_REGULAR', 'symbolic link');
    await mkdir(join(dir, 'folder.safetensors'));
    await rejectsWith(readReference(join(dir, 'folder.safetensors')), 'NOT_REGULAR', 'folder');
    await rejectsWith(readReference(join(dir, 'absent.safetensors')), 'NOT_FOUND', 'absent');
  } finally {
    await removeDir(dir);
  }
});

test("a reference whose m×n is not the adapter module's is refused with SHAPE_MISMATCH", async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const run = await writeRun(rng, join(dir, 'run'), [{ name: 'blocks.0.fc', m: 6, n: 5 }], [10, 20]);
    const mod = run.modules[0];
    const file = join(dir, 'wrong.safetensors');
    // u and v swapped: a 5×6 reference for a 6×5 module.
    await writeReference(file, [{ ...mod, m: mod.n, n: mod.m, u: mod.v, v: mod.u }], 'uv');
    await rejectsWith(checkpointSeries([run.folder], { reference: file }), 'SHAPE_MISMATCH', `u/v swapped ${rng.tag}`);
    await writeReference(join(dir, 'wrongdw.safetensors'), [{ ...mod, m: mod.n, n: mod.m, u: mod.v, v: mod.u }], 'delta_w');
    await rejectsWith(checkpointSeries([run.folder], { reference: join(dir, 'wrongdw.safetensors') }), 'SHAPE_MISMATCH', `ΔW transposed ${rng.tag}`);
  } finally {
    await removeDir(dir);
  }
});

test('the values of a reference together are capped at 2^26 (512 MiB as float64); past the cap TOO_LARGE', async () => {
  assert.equal(REFERENCE_LIMITS.maxTotalElements, 2 ** 26);
  const dir = await tempDir();
  const saved = REFERENCE_LIMITS.maxTotalElements;
  try {
    const path = join(dir, 'two.safetensors');
    const tensors: FixtureTensor[] = [
      { name: 'a.delta_w', shape: [3, 4], values: Array.from({ length: 12 }, (_, i) => i + 1) },
      { name: 'b.u', shape: [3], values: [1, 2, 3] },
      { name: 'b.v', shape: [2], values: [1, -1] },
    ];
    await writeFile(path, fixtureBytes(tensors));
    // A lowered cap stands in for a file of 2^26 values: each module fits it, both together do not.
    REFERENCE_LIMITS.maxTotalElements = 16;
    await rejectsWith(readReference(path), 'TOO_LARGE', 'past the total');
    REFERENCE_LIMITS.maxTotalElements = 17;
    assert.equal((await readReference(path)).modules.length, 2);
  } finally {
    REFERENCE_LIMITS.maxTotalElements = saved;
    await removeDir(dir);
  }
});

test('a delta_w entry of any shape reads back column-major, transposed in its own buffer', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    for (const [m, n] of [
      [1, 5],
      [5, 1],
      [3, 5],
      [7, 4],
      [6, 6],
      [13, 29],
    ]) {
      const values = Array.from(rng.gaussians(m * n));
      const path = join(dir, `${m}x${n}.safetensors`);
      await writeFile(path, fixtureBytes([{ name: 'w.delta_w', shape: [m, n], values, dtype: 'F64' }]));
      const ref = (await readReference(path)).modules[0];
      assert.equal(ref.kind, 'delta_w');
      if (ref.kind !== 'delta_w') return;
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) assert.equal(ref.data[j * m + i], values[i * n + j], `${m}×${n} (${i}, ${j}) ${rng.tag}`);
    }
  } finally {
    await removeDir(dir);
  }
});
