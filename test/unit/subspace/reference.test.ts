import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { denseSvd } from '../../../src/core/linalg/denseSvd';
import { checkpointSeries, type ReferenceSeries } from '../../../src/core/subspace/checkpoints';
import { readReference } from '../../../src/core/subspace/referenceFile';
import { fixtureBytes, removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { writeReference, writeRun, type GeneratedRun, type RunModule } from './referenceRun';

const SHAPES = [
  { name: 'blocks.0.fc', m: 12, n: 9 },
  { name: 'blocks.1.fc', m: 10, n: 16 },
  { name: 'blocks.2.fc', m: 7, n: 7 },
];
const STEPS = [100, 200, 300, 400, 500];

/** The measures of one checkpoint from ΔW = s·B·A formed densely in float64 and its dense SVD. */
function denseMeasures(run: GeneratedRun, mod: RunModule, t: number) {
  const { m, n } = mod;
  const r = run.rank;
  const W = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let l = 0; l < r; l++) sum += mod.B[t][i * r + l] * mod.A[t][l * n + j];
      W[j * m + i] = run.scale * sum;
    }
  const svd = denseSvd({ rows: m, cols: n, data: W });
  const U = svd.U?.data as Float64Array;
  const V = svd.V?.data as Float64Array;
  let cu = 0;
  let cv = 0;
  for (let i = 0; i < m; i++) cu += U[i] * mod.u[i];
  for (let j = 0; j < n; j++) cv += V[j] * mod.v[j];
  let error = 0;
  let inner = 0;
  let norm = 0;
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      const w = W[j * m + i];
      const ref = mod.theta * mod.u[i] * mod.v[j];
      error += (w - ref) ** 2;
      inner += w * ref;
      norm += w * w;
    }
  return {
    alignmentU: Math.abs(cu),
    alignmentV: Math.abs(cv),
    recoveryError: Math.sqrt(error) / mod.theta,
    cosine: inner / (Math.sqrt(norm) * mod.theta),
    sigma1Ratio: svd.values[0] / mod.theta,
  };
}

function assertClose(got: number | null, want: number, what: string, tolerance = 1e-10): void {
  assert.ok(got !== null, `${what}: null`);
  const error = Math.abs(got - want) / Math.max(Math.abs(want), 1e-12);
  assert.ok(error <= tolerance, `${what}: ${got} vs ${want} (relative error ${error.toExponential(2)})`);
}

function assertMatchesDense(run: GeneratedRun, series: ReferenceSeries, mod: RunModule, tag: string): void {
  for (let t = 0; t < run.steps.length; t++) {
    const want = denseMeasures(run, mod, t);
    for (const key of ['alignmentU', 'alignmentV', 'recoveryError', 'cosine', 'sigma1Ratio'] as const)
      assertClose(series[key][t], want[key], `${mod.name} step ${run.steps[t]} ${key} ${tag}`);
  }
}

test('checkpoints against a u/v/θ reference: alignment, recovery error and sizes equal dense float64; the curves recover the teacher', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const run = await writeRun(rng, join(dir, 'run'), SHAPES, STEPS);
    const ghost: RunModule = { ...run.modules[0], name: 'blocks.9.fc' };
    const file = join(dir, 'teacher.safetensors');
    // blocks.2.fc has no entry (listed, not measured); blocks.9.fc is not in the adapter (a warning).
    await writeReference(file, [run.modules[0], run.modules[1], ghost], 'uv');
    const series = await checkpointSeries([run.folder], { reference: file });
    assert.deepEqual(
      series.checkpoints.map((c) => c.step),
      STEPS,
    );
    const ref = series.reference;
    assert.ok(ref);
    assert.equal(ref.kind, 'uv');
    assert.deepEqual(ref.unreferenced, ['blocks.2.fc']);
    assert.deepEqual(
      ref.modules.map((m) => [m.name, m.module]),
      [
        ['blocks.0.fc', 'blocks.0.fc'],
        ['blocks.1.fc', 'blocks.1.fc'],
        ['blocks.9.fc', null],
      ],
    );
    assert.ok(
      series.warnings.some((w) => w.includes('blocks.9.fc')),
      series.warnings.join('\n'),
    );
    assertClose(ref.modules[0].size, run.modules[0].theta, 'θ as stored');
    for (const mod of run.modules.slice(0, 2)) {
      const s = series.modules.find((x) => x.name === mod.name)?.againstReference;
      assert.ok(s, mod.name);
      assertMatchesDense(run, s, mod, rng.tag);
      const last = STEPS.length - 1;
      // The generated run converges: the error falls and the alignment rises toward 1.
      assert.ok((s.recoveryError[last] as number) < (s.recoveryError[0] as number), `${mod.name}: ${s.recoveryError.join(', ')} ${rng.tag}`);
      assert.ok((s.alignmentU[last] as number) > 0.9, `${mod.name}: ${s.alignmentU.join(', ')} ${rng.tag}`);
    }
    assert.equal(series.modules.find((x) => x.name === 'blocks.2.fc')?.againstReference, undefined);
  } finally {
    await removeDir(dir);
  }
});

test('a delta_w reference θ·u·vᵀ gives what the u/v/θ reference gives', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const run = await writeRun(rng, join(dir, 'run'), SHAPES.slice(0, 2), STEPS.slice(0, 3));
    await writeReference(join(dir, 'uv.safetensors'), run.modules, 'uv');
    await writeReference(join(dir, 'dw.safetensors'), run.modules, 'delta_w');
    const uv = await checkpointSeries([run.folder], { reference: join(dir, 'uv.safetensors') });
    const dw = await checkpointSeries([run.folder], { reference: join(dir, 'dw.safetensors') });
    assert.equal(dw.reference?.kind, 'delta_w');
    for (const mod of run.modules) {
      const a = uv.modules.find((x) => x.name === mod.name)?.againstReference;
      const b = dw.modules.find((x) => x.name === mod.name)?.againstReference;
      assert.ok(a && b, mod.name);
      assertMatchesDense(run, b, mod, rng.tag);
      for (const key of ['alignmentU', 'alignmentV', 'recoveryError', 'cosine', 'sigma1Ratio'] as const)
        for (let t = 0; t < a[key].length; t++) assertClose(b[key][t], a[key][t] as number, `${mod.name} ${key} at ${t} ${rng.tag}`);
    }
  } finally {
    await removeDir(dir);
  }
});

test('a reference without θ uses ‖u‖·‖v‖ and the directions as given', async () => {
  const dir = await tempDir();
  try {
    const file = join(dir, 'r.safetensors');
    await writeFile(
      file,
      fixtureBytes([
        { name: 'x.u', shape: [2], values: [3, 4] },
        { name: 'x.v', shape: [3], values: [0, 0, 2] },
      ]),
    );
    const ref = await readReference(file);
    const x = ref.modules[0];
    assert.equal(x.kind, 'uv');
    if (x.kind !== 'uv') return;
    assert.equal(x.theta, 10);
    assert.equal(x.thetaGiven, false);
    assert.deepEqual([...x.u], [0.6, 0.8]);
    assert.deepEqual([...x.v], [0, 0, 1]);
  } finally {
    await removeDir(dir);
  }
});
