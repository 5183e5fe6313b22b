import { strict as assert } from 'node:assert';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseCsv } from '../../../src/core/predict/csvCells';
import { labelColumns } from '../../../src/core/predict/zoo/labels';
import { makeZoo } from '../../../src/core/predict/zoo/makeZoo';
import { DEFAULT_SHAPE, makeBase } from '../../../src/core/predict/zoo/network';
import { checkpointSteps } from '../../../src/core/predict/zoo/zooFiles';
import { planZoo, RECOVERY_CRITERION } from '../../../src/core/predict/zoo/zooPlan';
import { openSafetensors } from '../../../src/core/safetensors/reader';
import { checkpointSeries } from '../../../src/core/subspace/checkpoints';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

const BLOCKS = ['blocks.0.fc', 'blocks.1.fc'];
const { inputs: d, hidden: h } = DEFAULT_SHAPE;

/** A tensor that must be there. */
function tensor(map: Map<string, Float64Array>, name: string): Float64Array {
  const t = map.get(name);
  if (!t) throw new Error(`no tensor ${name}`);
  return t;
}

/** All tensors of a safetensors file as float64. */
async function tensorsOf(path: string): Promise<Map<string, Float64Array>> {
  const file = await openSafetensors(path);
  try {
    const out = new Map<string, Float64Array>();
    for (const t of file.header.tensors) out.set(t.name, await file.readFloat64(t.name));
    return out;
  } finally {
    await file.close();
  }
}

/** ‖s·B·A − θ·u·vᵀ‖_F / θ, mean over blocks, from an adapter's files: the float64 reference of the label. */
async function recoveryFromFiles(folder: string, teacher: Map<string, Float64Array>, scale: number): Promise<number> {
  const lora = await tensorsOf(join(folder, 'adapter_model.safetensors'));
  let total = 0;
  for (const name of BLOCKS) {
    const A = tensor(lora, `base_model.model.${name}.lora_A.weight`);
    const B = tensor(lora, `base_model.model.${name}.lora_B.weight`);
    const u = tensor(teacher, `${name}.u`);
    const v = tensor(teacher, `${name}.v`);
    const theta = tensor(teacher, `${name}.theta`)[0];
    const r = A.length / d;
    let residual = 0;
    for (let i = 0; i < h; i++)
      for (let k = 0; k < d; k++) {
        let w = 0;
        for (let j = 0; j < r; j++) w += B[i * r + j] * A[j * d + k];
        residual += (scale * w - theta * u[i] * v[k]) ** 2;
      }
    total += Math.sqrt(residual) / theta / BLOCKS.length;
  }
  return total;
}

test('the paper zoo: W0, heads and teacher on disk, recovery_error from the files, the recovery criterion, and checkpoints that `checkpoints` reads', async () => {
  const rng = Rng.fresh();
  // A fresh seed whose first four adapters include a run long enough for the criterion.
  let seed = rng.int(0, 2 ** 31);
  while (!planZoo(4, seed, DEFAULT_SHAPE.components, 'paper').some((i) => i.steps >= RECOVERY_CRITERION.minSteps)) seed++;
  const dir = await tempDir();
  try {
    const rows = await makeZoo(dir, { count: 4, seed });
    const labels = parseCsv(await readFile(join(dir, 'labels.csv'), 'utf8'));
    if (!labels) throw new Error('labels.csv is not CSV');
    const columns = labelColumns('paper', DEFAULT_SHAPE.components);
    assert.deepEqual(labels[0], columns);
    const zooJson = JSON.parse(await readFile(join(dir, 'zoo.json'), 'utf8')) as { setting: string; criterion: string };
    assert.equal(zooJson.setting, 'paper');
    assert.match(zooJson.criterion, new RegExp(`>= ${RECOVERY_CRITERION.minSteps} steps`));

    const base = await tensorsOf(join(dir, 'base.safetensors'));
    const expected = makeBase(seed, DEFAULT_SHAPE, 'signs');
    expected.blocks.forEach((b) => {
      assert.deepEqual(base.get(`${b.name}.weight`), b.W0.map(Math.fround), `W0 ${rng.tag}`);
      assert.deepEqual(base.get(`${b.name}.head`), b.a.map(Math.fround));
    });

    for (const [index, row] of rows.entries()) {
      const cells = labels[index + 1];
      const label: Record<string, string> = Object.fromEntries(columns.map((c, j) => [c, cells[j]]));
      const folder = join(dir, row.item.folder);
      const teacher = await tensorsOf(join(folder, 'teacher.safetensors'));
      for (const name of BLOCKS) {
        const norm = (x: Float64Array) => Math.sqrt(x.reduce((s, y) => s + y * y, 0));
        assert.ok(Math.abs(norm(tensor(teacher, `${name}.u`)) - 1) < 1e-12 && Math.abs(norm(tensor(teacher, `${name}.v`)) - 1) < 1e-12);
        assert.equal(tensor(teacher, `${name}.theta`)[0], Number(label.teacher_strength));
      }
      const reference = await recoveryFromFiles(folder, teacher, row.scale);
      assert.ok(Math.abs(Number(label.recovery_error) - reference) <= 1e-10 * reference, `recovery_error ${label.recovery_error} vs ${reference} ${rng.tag}`);
      if (row.item.steps >= RECOVERY_CRITERION.minSteps) {
        assert.ok(
          row.recoveryError <= RECOVERY_CRITERION.maxError,
          `${row.item.folder} (${row.item.steps} steps, r=${row.item.rank}): recovery error ${row.recoveryError} ${rng.tag}`,
        );
        assert.ok(row.alignmentV >= RECOVERY_CRITERION.minCosV, `${row.item.folder}: |cos v| ${row.alignmentV} ${rng.tag}`);
      }

      const steps = checkpointSteps(row.item.steps, 4);
      assert.deepEqual((await readdir(folder)).filter((n) => n.startsWith('checkpoint-')).sort(), steps.map((s) => `checkpoint-${s}`).sort());
      const series = await checkpointSeries([folder]);
      assert.deepEqual(
        series.checkpoints.map((c) => c.step),
        [...steps, null],
        'checkpoint-N folders in step order, then the final adapter',
      );
      for (const m of series.modules) {
        const last = m.cosineToFinal.at(-2);
        assert.ok(last !== null && last !== undefined && Math.abs(last - 1) < 1e-6, `checkpoint-${row.item.steps} is the final adapter ${rng.tag}`);
        const norms = m.norms.map((n) => n ?? NaN);
        assert.ok(norms[0] < norms[norms.length - 1], `ΔW grows from the init's B = 0 ${rng.tag}`);
      }
    }
  } finally {
    await removeDir(dir);
  }
});
