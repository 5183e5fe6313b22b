import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { adapterFeatures, layoutForAdapter } from '../../../src/core/predict/features';
import { FeatureError } from '../../../src/core/predict/errors';
import { featureLayout, featuresPerModule, parseLayoutId } from '../../../src/core/predict/layout';
import { gaussian, inverse, multiplyDense } from '../../helpers/factors';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import type { Dense } from '../../helpers/referenceSvd';
import { analyseHere, folder, randomModules, writePeftAdapter } from './predictFixtures';

/** A random invertible r×r matrix: Gaussian plus the identity, so it is rarely near singular. */
function randomInvertible(rng: Rng, r: number): Dense {
  const R = gaussian(rng, r, r);
  for (let i = 0; i < r; i++) R.data[i * r + i] += 1.5 * Math.sign(R.data[i * r + i] || 1);
  return R;
}

function relativeChange(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    norm += a[i] ** 2;
  }
  return Math.sqrt(diff / norm);
}

test('features are invariant under (B·R, R⁻¹·A) per module while the raw factors change', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const r = rng.int(2, 6);
    const modules = randomModules(rng, rng.int(2, 4));
    const k = rng.int(1, 8);
    const written = await writePeftAdapter(folder(dir, 'a'), rng, modules, r);
    const moved = written.map((w) => {
      const R = randomInvertible(rng, r);
      return { name: w.name, m: w.B.rows, n: w.A.cols, B: multiplyDense(w.B, R), A: multiplyDense(inverse(R), w.A) };
    });
    await writePeftAdapter(folder(dir, 'b'), rng, moved, r);
    const a = await analyseHere(folder(dir, 'a'));
    const b = await analyseHere(folder(dir, 'b'));
    const layout = layoutForAdapter(a.adapter, k);
    assert.equal(layoutForAdapter(b.adapter, k).id, layout.id, rng.tag);
    const fa = adapterFeatures(a.adapter, a.modules, layout);
    const fb = adapterFeatures(b.adapter, b.modules, layout);
    assert.equal(fa.length, modules.length * (k + 2), rng.tag);
    for (let i = 0; i < fa.length; i++) {
      const scale = Math.max(Math.abs(fa[i]), 1e-300);
      if (fa[i] === 0) assert.equal(fb[i], 0, `padded column ${layout.columns[i]} ${rng.tag}`);
      else assert.ok(Math.abs(fa[i] - fb[i]) / scale <= 1e-9, `${layout.columns[i]}: ${fa[i]} vs ${fb[i]} ${rng.tag}`);
    }
    for (const [i, w] of written.entries()) {
      const rawA = Float64Array.from([...w.B.data, ...w.A.data]);
      const rawB = Float64Array.from([...moved[i].B.data, ...moved[i].A.data]);
      assert.ok(relativeChange(rawA, rawB) > 0.05, `the flattened factors of ${w.name} should move under R ${rng.tag}`);
    }
  } finally {
    await removeDir(dir);
  }
});

test('the layout zero-pads to k, keeps the top k, and fills its own module order', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const r = rng.int(3, 6);
    const modules = randomModules(rng, 3);
    await writePeftAdapter(dir, rng, modules, r);
    const { adapter, modules: results } = await analyseHere(dir);
    const sigma = results.map((m) => (m.status === 'ok' ? m.singularValues : new Float64Array()));
    const padded = featureLayout(
      adapter.modules.map((m) => ({ name: m.name, shape: m.shape })),
      r + 3,
    );
    const f = adapterFeatures(adapter, results, padded);
    const per = featuresPerModule(r + 3);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < r; j++) assert.equal(f[i * per + j], sigma[i][j], rng.tag);
      for (let j = r; j < r + 3; j++) assert.equal(f[i * per + j], 0, `σ${j + 1} of a rank-${r} ΔW is padded with 0 ${rng.tag}`);
      assert.equal(padded.columns[i * per + r + 3], `${adapter.modules[i].name}:frobenius`);
    }
    const reversed = featureLayout(
      [...adapter.modules].reverse().map((m) => ({ name: m.name, shape: m.shape })),
      2,
    );
    assert.notEqual(reversed.id, layoutForAdapter(adapter, 2).id, 'the order is part of the layout id');
    const g = adapterFeatures(adapter, results, reversed);
    const last = results[2];
    assert.ok(last.status === 'ok');
    assert.equal(g[0], sigma[2][0], `the first block is the layout's first module ${rng.tag}`);
    assert.equal(g[1], sigma[2][1], rng.tag);
    assert.equal(g[2], last.metrics.frobenius, 'frobenius is over the whole spectrum, not the kept top k');
    assert.ok(g[2] > Math.hypot(sigma[2][0], sigma[2][1]), rng.tag);
    assert.equal(g[3], last.metrics.effectiveRank);
    const parsed = parseLayoutId(reversed.id);
    assert.deepEqual([parsed.version, parsed.k, parsed.moduleCount], ['spectra-v1', 2, 3]);
  } finally {
    await removeDir(dir);
  }
});

test('an adapter that does not fit the layout is refused with a clear error', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const modules = randomModules(rng, 3);
    await writePeftAdapter(folder(dir, 'full'), rng, modules, 2);
    await writePeftAdapter(folder(dir, 'fewer'), rng, modules.slice(0, 2), 2);
    await writePeftAdapter(
      folder(dir, 'wider'),
      rng,
      modules.map((m, i) => (i === 1 ? { ...m, n: m.n + 1 } : m)),
      2,
    );
    const full = await analyseHere(folder(dir, 'full'));
    const layout = layoutForAdapter(full.adapter, 4);
    const fewer = await analyseHere(folder(dir, 'fewer'));
    assert.throws(
      () => adapterFeatures(fewer.adapter, fewer.modules, layout),
      (e: unknown) => e instanceof FeatureError && e.code === 'LAYOUT_MISMATCH' && e.message.includes(`lacks ${modules[2].name}`) && e.message.includes(layout.id),
    );
    const wider = await analyseHere(folder(dir, 'wider'));
    assert.throws(
      () => adapterFeatures(wider.adapter, wider.modules, layout),
      (e: unknown) => e instanceof FeatureError && e.code === 'LAYOUT_MISMATCH' && e.message.includes(`${modules[1].name} is ${modules[1].m}×${modules[1].n + 1}`),
    );
    const small = layoutForAdapter(fewer.adapter, 4);
    assert.throws(
      () => adapterFeatures(full.adapter, full.modules, small),
      (e: unknown) => e instanceof FeatureError && e.message.includes(`has ${modules[2].name}, which the layout does not`),
    );
    const skipped = full.modules.map((m, i) => (i === 0 ? { name: m.name, status: 'skipped' as const, reason: 'NaN in lora_A' } : m));
    assert.throws(
      () => adapterFeatures(full.adapter, skipped, layout),
      (e: unknown) => e instanceof FeatureError && e.code === 'MODULE_NOT_ANALYSED' && e.message.includes('NaN in lora_A'),
    );
    assert.throws(
      () =>
        featureLayout(
          [
            { name: 'x', shape: [2, 2] },
            { name: 'x', shape: [2, 2] },
          ],
          4,
        ),
      /appears twice/,
    );
    assert.throws(() => featureLayout([], 0), /k must be/);
    assert.throws(() => parseLayoutId('spectra-v2:k=8:modules=1:00000000'), /not a feature layout id/);
  } finally {
    await removeDir(dir);
  }
});
