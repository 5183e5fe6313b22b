import { strict as assert } from 'node:assert';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { teacherAlignment } from '../../../src/core/predict/zoo/alignment';
import { LABEL_COLUMNS } from '../../../src/core/predict/zoo/labels';
import { makeZoo, ZooDirError } from '../../../src/core/predict/zoo/makeZoo';
import { makeBase, makeTeacher, mixtureInputs, rankOneTerms } from '../../../src/core/predict/zoo/network';
import { SeededRandom } from '../../../src/core/predict/zoo/random';
import { trainLora, type Checkpoint } from '../../../src/core/predict/zoo/train';
import { parseCsv } from '../../../src/core/predict/csvCells';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

test('make-zoo writes PEFT folders that open with the right ranks and scales, and matching labels', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const count = rng.int(4, 6);
    const rows = await makeZoo(dir, { count, seed: rng.int(0, 2 ** 31), setting: 'mixture', checkpoints: 0 });
    const labels = parseCsv(await readFile(join(dir, 'labels.csv'), 'utf8'));
    if (!labels) throw new Error(`labels.csv is not CSV ${rng.tag}`);
    assert.deepEqual(labels[0], [...LABEL_COLUMNS]);
    assert.equal(labels.length, count + 1, rng.tag);
    const folders = (await readdir(dir)).filter((n) => n.startsWith('adapter-')).sort();
    assert.equal(folders.length, count);
    for (const [i, row] of rows.entries()) {
      const label: Record<string, string> = Object.fromEntries(LABEL_COLUMNS.map((c, j) => [c, labels[i + 1][j]]));
      assert.equal(label.adapter, folders[i]);
      const opened = await openAdapter(join(dir, folders[i]));
      try {
        const a = opened.adapter;
        assert.equal(a.format, 'peft', rng.tag);
        assert.equal(a.peftType, 'LORA');
        assert.deepEqual(
          a.modules.map((m) => m.name),
          ['blocks.0.fc', 'blocks.1.fc'],
        );
        for (const m of a.modules) {
          assert.equal(m.rank, Number(label.rank), rng.tag);
          assert.equal(m.rank, row.item.rank);
          assert.equal(m.scale, Number(label.lora_alpha) / Number(label.rank), rng.tag);
          assert.equal(m.scale, row.scale);
          assert.deepEqual(m.shape, [32, 32]);
          assert.ok(m.scaleKnown);
        }
        assert.deepEqual(
          a.header.tensors.map((t) => t.dtype),
          ['F32', 'F32', 'F32', 'F32'],
        );
      } finally {
        await opened.file.close();
      }
      // A student whose teacher is weak starts near the floor; a few hundred SGD steps at a large
      // learning rate may then leave its held-out loss a little above the start (seen: 0.01165 →
      // 0.01212). No student may diverge, and the zoo's loss falls overall (below).
      assert.ok(Number(label.final_loss) < 1.5 * Number(label.initial_loss), `${folders[i]}: the student's loss diverged ${rng.tag}`);
      const alignment = Number(label.alignment_u);
      assert.ok(alignment > 0 && alignment <= 1, rng.tag);
    }
    const total = (column: 'initialLoss' | 'finalLoss') => rows.reduce((sum, r) => sum + r[column], 0);
    assert.ok(total('finalLoss') < 0.5 * total('initialLoss'), `the zoo's students should learn: held-out loss ${total('initialLoss')} → ${total('finalLoss')} ${rng.tag}`);
    assert.deepEqual(
      rows.map((r) => r.item.rank),
      [1, 2, 4, 8, 1, 2].slice(0, count),
      'ranks cycle through 1, 2, 4, 8',
    );
  } finally {
    await removeDir(dir);
  }
});

test('make-zoo is deterministic in its seed and refuses a folder that is not empty', async () => {
  const rng = Rng.fresh();
  const [one, two, three] = [await tempDir(), await tempDir(), await tempDir()];
  try {
    const seed = rng.int(0, 2 ** 31);
    await makeZoo(one, { count: 2, seed, checkpoints: 2 });
    await makeZoo(two, { count: 2, seed, checkpoints: 2 });
    await makeZoo(three, { count: 2, seed: seed + 1, checkpoints: 2 });
    const steps = (await readdir(join(one, 'adapter-001'))).filter((n) => n.startsWith('checkpoint-'));
    assert.equal(steps.length, 2, `${steps.join(', ')} ${rng.tag}`);
    for (const name of [
      'labels.csv',
      'base.safetensors',
      join('adapter-001', 'adapter_model.safetensors'),
      join('adapter-001', 'teacher.safetensors'),
      join('adapter-001', steps[0], 'adapter_model.safetensors'),
    ]) {
      assert.deepEqual(await readFile(join(one, name)), await readFile(join(two, name)), `${name} ${rng.tag}`);
    }
    assert.notDeepEqual(await readFile(join(one, 'adapter-001', 'adapter_model.safetensors')), await readFile(join(three, 'adapter-001', 'adapter_model.safetensors')));
    await writeFile(join(three, 'notes.txt'), 'mine');
    await assert.rejects(makeZoo(three, { count: 1 }), ZooDirError);
    assert.equal(await readFile(join(three, 'notes.txt'), 'utf8'), 'mine');
  } finally {
    for (const d of [one, two, three]) await removeDir(d);
  }
});

/** Mean over blocks of the |cos| between ΔW's top left singular vector and the teacher's u. */
function alignment(c: Checkpoint, scale: number, terms: ReturnType<typeof rankOneTerms>): number {
  return c.factors.reduce((sum, f, b) => sum + teacherAlignment(f.B, f.A, scale, terms[b].u, terms[b].v).u, 0) / c.factors.length;
}

test("SGD on the mixture lowers the loss and aligns the learned direction with the teacher's u", () => {
  const rng = Rng.fresh();
  const base = makeBase(rng.int(1, 2 ** 31));
  const teacher = makeTeacher(base, new SeededRandom(rng.int(1, 2 ** 31)), 3);
  const rank = [1, 2, 4, 8][rng.int(0, 3)];
  // Long enough for a rank-1 run to leave its saddle: with one direction per block, SGD may
  // align one block's u first and the other's only later (at 1200 steps over 962 seeds: a gap of
  // 0.065, a final alignment of 0.40 and a loss ratio of 0.64, one stuck block each time).
  const steps = 2400;
  const run = trainLora(base, teacher, {
    rank,
    alpha: 2 * rank,
    learningRate: 0.3,
    steps,
    batch: 8,
    inputs: mixtureInputs(base, [0, 1, 2, 3]),
    seed: rng.int(1, 2 ** 31),
    checkpoints: [0, 25, steps],
  });
  const [init, early, late] = run.checkpoints;
  assert.deepEqual(
    run.checkpoints.map((c) => c.step),
    [0, 25, steps],
  );
  assert.equal(alignment(init, run.scale, rankOneTerms(teacher)), 0, 'B = 0 at the init: no direction yet');
  assert.ok(
    init.factors.every((f) => f.B.every((x) => x === 0)),
    'PEFT init: B = 0',
  );
  const a25 = alignment(early, run.scale, rankOneTerms(teacher));
  const aEnd = alignment(late, run.scale, rankOneTerms(teacher));
  // Measured at 2400 steps over the 208 rank-1 seeds among those 962 (rank 1 holds the tail) and 27
  // others: the gap at least 0.22, the final alignment at least 0.59, the loss ratio at most 0.46.
  assert.ok(aEnd > a25 + 0.15, `alignment ${a25.toFixed(3)} at step 25 vs ${aEnd.toFixed(3)} at ${steps} (r=${rank}) ${rng.tag}`);
  assert.ok(aEnd > 0.4, `${aEnd} ${rng.tag}`);
  assert.equal(init.loss, run.initialLoss);
  assert.ok(late.loss < 0.75 * run.initialLoss, `loss ${run.initialLoss} → ${late.loss} ${rng.tag}`);
  assert.equal(late.loss, run.finalLoss);
});
