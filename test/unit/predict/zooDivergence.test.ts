import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseCsv } from '../../../src/core/predict/csvCells';
import { LABEL_COLUMNS } from '../../../src/core/predict/zoo/labels';
import { makeZoo } from '../../../src/core/predict/zoo/makeZoo';
import { makeBase, makeTeacher, mixtureInputs } from '../../../src/core/predict/zoo/network';
import { SeededRandom } from '../../../src/core/predict/zoo/random';
import { trainLora, type TrainedLora, type TrainSettings } from '../../../src/core/predict/zoo/train';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

/** Factors, losses and checkpoints equal bit for bit. */
function assertSameRun(a: TrainedLora, b: TrainedLora, tag: string): void {
  assert.equal(a.initialLoss, b.initialLoss, tag);
  assert.equal(a.finalLoss, b.finalLoss, tag);
  a.factors.forEach((f, i) => {
    assert.deepEqual(f.B, b.factors[i].B, tag);
    assert.deepEqual(f.A, b.factors[i].A, tag);
  });
  assert.deepEqual(
    a.checkpoints.map((c) => [c.step, c.loss]),
    b.checkpoints.map((c) => [c.step, c.loss]),
    tag,
  );
}

/** A mixture run with θ = 4 and s = 2 (the setting where SGD overshoots first), rank and data from `rng`. */
function mixtureRun(rng: Rng, learningRate: number, steps: number): { base: ReturnType<typeof makeBase>; teacher: ReturnType<typeof makeTeacher>; settings: TrainSettings } {
  const base = makeBase(rng.int(1, 2 ** 31));
  const teacher = makeTeacher(base, new SeededRandom(rng.int(1, 2 ** 31)), 4);
  const rank = [1, 2, 4, 8][rng.int(0, 3)];
  const components = [0, 1, 2, 3].filter(() => rng.next() < 0.5);
  const settings: TrainSettings = {
    rank,
    alpha: 2 * rank,
    learningRate,
    steps,
    batch: 8,
    inputs: mixtureInputs(base, components.length > 0 ? components : [rng.int(0, 3)]),
    seed: rng.int(1, 2 ** 31),
    checkpoints: [0, 25, steps],
  };
  return { base, teacher, settings };
}

test('a run that does not diverge is bit-identical with and without the divergence check', () => {
  const rng = Rng.fresh();
  const { base, teacher, settings } = mixtureRun(rng, rng.uniform(0.1, 0.3), 400);
  const checked = trainLora(base, teacher, settings);
  const unchecked = trainLora(base, teacher, { ...settings, divergenceCheck: false });
  assert.equal(checked.restarts, 0, `a run at η = ${settings.learningRate} restarted ${rng.tag}`);
  assert.equal(checked.learningRate, settings.learningRate);
  assertSameRun(checked, unchecked, rng.tag);
});

test('a diverging run restarts from its init at half the step size, and says so', () => {
  const rng = Rng.fresh();
  // η = 2.4 with s = 2 and θ = 4, 800 steps, measured over 80 seeds: every run restarted, 1 to 3
  // times, none gave up. Whether the run then ends below its initial loss is not the check's
  // promise (a run at 1.2 can hover above it without climbing: 0.060 → 0.075 seen); the fixed
  // zoo case below is the one that must train.
  const { base, teacher, settings } = mixtureRun(rng, 2.4, 800);
  const run = trainLora(base, teacher, settings);
  assert.ok(run.restarts >= 1 && run.restarts <= 3, `${run.restarts} restarts ${rng.tag}`);
  assert.equal(run.learningRate, settings.learningRate / 2 ** run.restarts, rng.tag);
  // The restart is the run at the smaller step size from the same init and sample stream.
  assertSameRun(run, trainLora(base, teacher, { ...settings, learningRate: run.learningRate, divergenceCheck: false }), rng.tag);
});

test('make-zoo retrains the mixture student that diverged (seed 1705560182, adapter-002) and records it', async () => {
  const dir = await tempDir();
  try {
    const rows = await makeZoo(dir, { count: 3, seed: 1705560182, setting: 'mixture', checkpoints: 0 });
    const labels = parseCsv(await readFile(join(dir, 'labels.csv'), 'utf8'));
    if (!labels) throw new Error('labels.csv is not CSV');
    const column = (name: (typeof LABEL_COLUMNS)[number]) => labels.slice(1).map((r) => Number(r[LABEL_COLUMNS.indexOf(name)]));
    assert.deepEqual(
      rows.map((r) => r.restarts),
      [0, 0, 1],
    );
    const student = rows[2];
    assert.equal(student.learningRate, student.item.learningRate / 2);
    assert.ok(student.item.learningRate > 0.58, 'the planned rate is the one that diverged');
    assert.deepEqual(
      column('learning_rate'),
      rows.map((r) => r.learningRate),
    );
    assert.ok(student.finalLoss < 0.1 * student.initialLoss, `loss ${student.initialLoss} → ${student.finalLoss}`);
    const description = JSON.parse(await readFile(join(dir, 'zoo.json'), 'utf8')) as { restarted?: { adapters: unknown[] } };
    assert.deepEqual(description.restarted?.adapters, [
      { adapter: 'adapter-002', plannedLearningRate: student.item.learningRate, learningRate: student.learningRate, restarts: 1 },
    ]);
  } finally {
    await removeDir(dir);
  }
});
