import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { test } from 'node:test';
import { FeatureError } from '../../../src/core/predict/errors';
import { openPredictor } from '../../../src/core/predict/predictor/loadPredictor';
import { trainPredictor } from '../../../src/core/predict/predictor/trainPredictor';
import { makeZoo } from '../../../src/core/predict/zoo/makeZoo';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { mean, reparametrizedBaselineTaus } from './baselineDraws';
import { analyseHere, writePeftAdapter } from './predictFixtures';

const analyze = async (path: string) => (await analyseHere(path)).modules;

test('on a small zoo the GL-net and the MLP beat the raw-factor baseline on reparametrized held-out adapters, export, and are invariant through openPredictor', async () => {
  const rng = Rng.fresh();
  const root = await tempDir();
  try {
    const zoo = join(root, 'zoo');
    // The demo zoo's seed (1), not a fresh one: how far a zoo tells alignment_u depends on its
    // teacher, and some fresh zoos tell it to no model (see predictorZoo.test). Training seeds,
    // folds and reparametrizations stay fresh.
    await makeZoo(zoo, { count: 24, seed: 1, setting: 'mixture' });
    const labels = join(zoo, 'labels.csv');

    // alignment_u (how well ΔW's top left singular vector matches the teacher's direction) is a
    // property of directions, which the GL-net's left multiplications see. The baseline reaches
    // τ up to 0.4 here: it reads the rank, which correlates with alignment, from the factors' zero
    // padding.
    const glOut = join(root, 'glnet');
    const glSeed = rng.int(0, 1e6);
    const gl = await trainPredictor({ zoo, labels, target: 'alignment_u', kind: 'glnet', hidden: [2, 8], epochs: 150, folds: 4, seed: glSeed, analyze, out: glOut });
    if (gl.cv.kind !== 'regression' || gl.cvReparametrized?.kind !== 'regression' || gl.baselineReparametrized.kind !== 'regression')
      throw new Error('regression metrics expected');
    // Same folds and fitted models, held-out factors moved by R: only rounding (~1e-13) differs.
    assert.ok(Math.abs(gl.cv.r2 - gl.cvReparametrized.r2) <= 1e-9, `GL-net R² ${gl.cv.r2} vs reparametrized ${gl.cvReparametrized.r2} ${rng.tag}`);
    // The record says what was trained: one equivariant layer of 2, head 8, decay on the head only.
    const record = gl.manifest.training?.network;
    assert.deepEqual(record?.equivariantWidths, [2]);
    assert.deepEqual(record?.headWidths, [8]);
    assert.deepEqual(record?.weightDecay, { equivariant: 0, head: 0.1 });
    assert.ok(record.bestEpoch !== undefined && record.bestEpoch <= record.epochs && record.epochs <= 150 && record.maxEpochs === 150, `steps ${JSON.stringify(record)}`);
    assert.ok(record.moduleScales?.length === 2 && record.moduleScales.every((c) => c > 0 && Number.isFinite(c)), `scales ${JSON.stringify(record.moduleScales)}`);

    const mlpOut = join(root, 'mlp');
    const mlpSeed = rng.int(0, 1e6);
    const mlp = await trainPredictor({ zoo, labels, target: 'alignment_u', kind: 'mlp', hidden: [8], epochs: 200, folds: 4, seed: mlpSeed, analyze, out: mlpOut });
    if (mlp.cv.kind !== 'regression' || mlp.baselineReparametrized.kind !== 'regression') throw new Error('regression metrics expected');

    // The baseline's τ from one draw of folds and R ranged −0.21 to 0.37 over 40 seeds (sd 0.11),
    // so the GL-net's gap over it (0.12 to 0.77, sd 0.14) sat 2.5 sd above 0.1. Both networks are
    // compared with the baseline's mean over eight draws, the two runs' own first: over the same
    // 40 seeds the GL-net's gap then was 0.30–0.67 (mean 0.48, sd 0.08) and the MLP's 0.45–0.70.
    const draws = await reparametrizedBaselineTaus({ zoo, labels, target: 'alignment_u', folds: 4, analyze }, [
      glSeed,
      mlpSeed,
      ...Array.from({ length: 6 }, () => rng.int(0, 1e6)),
    ]);
    assert.ok(
      Math.abs(draws[0] - gl.baselineReparametrized.kendallTau) <= 1e-12,
      `GL-net run's baseline τ ${gl.baselineReparametrized.kendallTau}, recomputed ${draws[0]} ${rng.tag}`,
    );
    assert.ok(
      Math.abs(draws[1] - mlp.baselineReparametrized.kendallTau) <= 1e-12,
      `MLP run's baseline τ ${mlp.baselineReparametrized.kendallTau}, recomputed ${draws[1]} ${rng.tag}`,
    );
    const baseline = mean(draws);
    const seen = `(baseline τ ${baseline.toFixed(3)}, draws ${draws.map((t) => t.toFixed(3)).join(' ')}) ${rng.tag}`;
    assert.ok(gl.cvReparametrized.kendallTau > baseline + 0.1, `GL-net τ ${gl.cvReparametrized.kendallTau} ${seen}`);
    assert.ok(mlp.cv.kendallTau > baseline + 0.1, `MLP τ ${mlp.cv.kendallTau} ${seen}`);

    const adapter = join(zoo, 'adapter-003');
    for (const [dir, kind] of [
      [glOut, 'factors'],
      [mlpOut, 'features'],
    ] as const) {
      const predictor = await openPredictor(dir, { device: 'cpu' });
      try {
        assert.equal(predictor.manifest.input.kind, kind);
        assert.deepEqual(predictor.provider, { name: 'cpu' });
        const p = await predictor.predict(adapter, analyze);
        assert.ok(p.kind === 'regression' && Number.isFinite(p.value), `${kind} prediction ${JSON.stringify(p)} ${rng.tag}`);
        const report = await predictor.checkInvariance(adapter, analyze, 2, rng.int(0, 1e6));
        assert.ok(report.invariant && report.maxRelativeChange <= 1e-4, `${kind} change ${report.maxRelativeChange} ${rng.tag}`);
        const odd = join(root, `odd-${kind}`);
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
          predictor.predict(odd, analyze),
          (e: unknown) => e instanceof FeatureError && e.code === 'LAYOUT_MISMATCH' && /blocks\.1\.fc is 32×24, not 32×32/.test(e.message),
        );
        const fewer = join(root, `fewer-${kind}`);
        await writePeftAdapter(fewer, rng, [{ name: 'blocks.0.fc', m: 32, n: 32 }], 2);
        await assert.rejects(predictor.predict(fewer, analyze), (e: unknown) => e instanceof FeatureError && e.code === 'LAYOUT_MISMATCH' && /lacks blocks\.1\.fc/.test(e.message));
        if (kind === 'factors') {
          const diverged = join(root, 'diverged');
          const B = { rows: 32, cols: 2, data: rng.gaussians(64) };
          B.data[rng.int(0, 63)] = NaN;
          await writePeftAdapter(
            diverged,
            rng,
            [
              { name: 'blocks.0.fc', m: 32, n: 32 },
              { name: 'blocks.1.fc', m: 32, n: 32, B, A: { rows: 2, cols: 32, data: rng.gaussians(64) } },
            ],
            2,
          );
          await assert.rejects(
            predictor.predict(diverged, analyze),
            (e: unknown) => e instanceof FeatureError && e.code === 'MODULE_NOT_ANALYSED' && /blocks\.1\.fc\.lora_B\.weight holds 1 NaN value/.test(e.message),
          );
        }
      } finally {
        await predictor.dispose();
      }
    }
  } finally {
    await removeDir(root);
  }
});
