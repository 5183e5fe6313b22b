import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { test } from 'node:test';
import { FeatureError } from '../../../src/core/predict/errors';
import { checkInvariance } from '../../../src/core/predict/predictor/invariance';
import { loadDataset } from '../../../src/core/predict/predictor/dataset';
import { randomGl } from '../../../src/core/predict/predictor/glReparam';
import { crossValidate } from '../../../src/core/predict/predictor/crossValidate';
import { interpret, predictorOutputs } from '../../../src/core/predict/predictor/predictAdapter';
import { readPredictor } from '../../../src/core/predict/predictor/predictorDir';
import { flattenFactors, reparametrizeAll, stackRows } from '../../../src/core/predict/predictor/rawFactors';
import { PredictorSession } from '../../../src/core/predict/predictor/runPredictor';
import { trainPredictor } from '../../../src/core/predict/predictor/trainPredictor';
import { makeZoo } from '../../../src/core/predict/zoo/makeZoo';
import { SeededRandom } from '../../../src/core/predict/zoo/random';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { mean, reparametrizedBaselineTaus } from './baselineDraws';
import { analyseHere, writePeftAdapter } from './predictFixtures';

const analyze = async (path: string) => (await analyseHere(path)).modules;

test('on a small zoo the invariant ridge predictor of alignment_u beats the raw-factor baseline on reparametrized held-out adapters, and is invariant', async () => {
  const rng = Rng.fresh();
  const root = await tempDir();
  try {
    const zoo = join(root, 'zoo');
    // The demo zoo of docs/analyses.md (seed 1), not a fresh one: how far a zoo's spectra tell alignment_u
    // depends on its teacher, and on one fresh 24-adapter zoo in sixteen (seed 1989557986) no
    // model predicts it (τ 0.03, the baseline 0.08). Folds, λ search and the reparametrizations
    // stay fresh.
    await makeZoo(zoo, { count: 48, seed: 1, setting: 'mixture' });
    const out = join(root, 'pred');
    const skipped: string[] = [];
    const seed = rng.int(0, 1e6);
    const summary = await trainPredictor({
      zoo,
      labels: join(zoo, 'labels.csv'),
      target: 'alignment_u',
      kind: 'ridge',
      folds: 4,
      seed,
      analyze,
      out,
      onSkip: (a) => skipped.push(a),
    });
    assert.equal(summary.adapters, 48, rng.tag);
    assert.deepEqual(skipped, []);
    if (summary.cv.kind !== 'regression' || summary.baselineReparametrized.kind !== 'regression') throw new Error('regression metrics expected');
    // Measured over 40 seeds: the invariant τ 0.59–0.66. The baseline's τ from one draw of folds
    // and R ranged −0.12 to 0.35 (sd 0.11), so the gap over it (0.29–0.74) sat 2.8 sd above 0.2;
    // over the baseline's mean of eight draws, this run's first, the gap was 0.43–0.60 (sd 0.05).
    const draws = await reparametrizedBaselineTaus({ zoo, labels: join(zoo, 'labels.csv'), target: 'alignment_u', folds: 4, analyze }, [
      seed,
      ...Array.from({ length: 7 }, () => rng.int(0, 1e6)),
    ]);
    assert.ok(
      Math.abs(draws[0] - summary.baselineReparametrized.kendallTau) <= 1e-12,
      `run's baseline τ ${summary.baselineReparametrized.kendallTau}, recomputed ${draws[0]} ${rng.tag}`,
    );
    const gap = summary.cv.kendallTau - mean(draws);
    assert.ok(summary.cv.kendallTau > 0.25, `invariant τ ${summary.cv.kendallTau} ${rng.tag}`);
    assert.ok(gap > 0.2, `τ gap ${gap} (invariant ${summary.cv.kendallTau}, baseline draws ${draws.map((t) => t.toFixed(3)).join(' ')}) ${rng.tag}`);

    const stored = await readPredictor(out);
    const session = await PredictorSession.create(stored.model, 'ridge');
    try {
      const adapter = join(zoo, 'adapter-003');
      const value = interpret(stored.manifest, await predictorOutputs(adapter, stored.manifest, session, analyze));
      assert.equal(value.kind, 'regression');
      const report = await checkInvariance(adapter, stored.manifest, session, analyze, 3, rng.int(0, 1e6));
      assert.equal(report.perTrial.length, 3);
      assert.ok(report.maxRelativeChange <= 1e-4 && report.invariant, `change ${report.maxRelativeChange} ${rng.tag}`);

      const odd = join(root, 'odd');
      await writePeftAdapter(
        odd,
        rng,
        [
          { name: 'blocks.0.fc', m: 32, n: 32 },
          { name: 'blocks.1.fc', m: 32, n: 24 },
        ],
        2,
      );
      await assert.rejects(
        predictorOutputs(odd, stored.manifest, session, analyze),
        (e: unknown) => e instanceof FeatureError && e.code === 'LAYOUT_MISMATCH' && /blocks\.1\.fc is 32×24, not 32×32/.test(e.message),
      );
      const fewer = join(root, 'fewer');
      await writePeftAdapter(fewer, rng, [{ name: 'blocks.0.fc', m: 32, n: 32 }], 2);
      await assert.rejects(predictorOutputs(fewer, stored.manifest, session, analyze), (e: unknown) => e instanceof FeatureError && /lacks blocks\.1\.fc/.test(e.message));
    } finally {
      await session.dispose();
    }
  } finally {
    await removeDir(root);
  }
});

test('the raw-factor baseline is not invariant: its inputs and held-out scores move under (B R, R⁻¹ A) while ΔW does not', async () => {
  const rng = Rng.fresh();
  const root = await tempDir();
  try {
    const zoo = join(root, 'zoo');
    await makeZoo(zoo, { count: 8, seed: rng.int(0, 2 ** 31), setting: 'mixture' });
    const data = await loadDataset({ zoo, labels: join(zoo, 'labels.csv'), target: 'alignment_u', targetKind: 'numeric', analyze });
    const rMax = Math.max(...data.factors.flat().map((f) => f.r));
    const raw = stackRows(data.factors.map((f) => flattenFactors(f, rMax)));
    const g = new SeededRandom(rng.int(1, 1e9));
    const movedFactors = data.factors.map((f) => reparametrizeAll(f, (r) => randomGl(r, g)));
    const moved = stackRows(movedFactors.map((f) => flattenFactors(f, rMax)));
    let largest = 0;
    raw.data.forEach((v, i) => (largest = Math.max(largest, Math.abs(v - moved.data[i]))));
    assert.ok(largest > 1e-2, `raw entries move under a reparametrization ${rng.tag}`);
    const same = crossValidate('ridge', raw, data.target, 2, 1, 'identity');
    const shifted = crossValidate('ridge', raw, data.target, 2, 1, 'identity', moved);
    assert.notDeepEqual(same, shifted, 'held-out scores change when only the parametrization changes');
    for (const [a, f] of movedFactors.entries()) {
      for (const [i, m] of f.entries()) {
        const before = data.factors[a][i];
        const product = (B: Float64Array, A: Float64Array, row: number, col: number) => {
          let s = 0;
          for (let k = 0; k < m.r; k++) s += B[row * m.r + k] * A[k * m.n + col];
          return s;
        };
        for (let t = 0; t < 5; t++) {
          const row = rng.int(0, m.m - 1);
          const col = rng.int(0, m.n - 1);
          const w = product(before.B, before.A, row, col);
          assert.ok(Math.abs(product(m.B, m.A, row, col) - w) <= 1e-12 * Math.max(1, Math.abs(w)) + 1e-14, `ΔW is unchanged ${rng.tag}`);
        }
      }
    }
  } finally {
    await removeDir(root);
  }
});
