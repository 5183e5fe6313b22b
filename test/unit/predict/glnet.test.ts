import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { Target } from '../../../src/core/predict/predictor/crossValidate';
import { factorFeeds, type GlFactors } from '../../../src/core/predict/predictor/factorsInput';
import { randomGl } from '../../../src/core/predict/predictor/glReparam';
import { fitGlStandardizer, glBatch, glnetObjective, glnetOffsets, glnetShape, initGlNet, predictGlNet, trainGlNet } from '../../../src/core/predict/predictor/network/glnet';
import { encodeGlNetModel } from '../../../src/core/predict/predictor/network/glnetExport';
import { moduleScales } from '../../../src/core/predict/predictor/network/glnetScale';
import { networkTarget } from '../../../src/core/predict/predictor/network/loss';
import { PredictorSession } from '../../../src/core/predict/predictor/runPredictor';
import { Rng } from '../../helpers/random';
import { checkGradient } from './gradCheck';

/** An adapter of random factors for these module sizes, rank r (U, V Gaussian, so ΔW ≠ 0). */
function randomAdapter(rng: Rng, sizes: readonly (readonly [number, number])[], r: number): GlFactors[] {
  return sizes.map(([m, n]) => ({ m, n, r, U: rng.gaussians(m * r), V: rng.gaussians(n * r) }));
}

/** (U, V) → (U·R, V·R⁻ᵀ) per module, a fresh R ∈ GL(r) each: ΔW = U·Vᵀ unchanged. */
function reparametrized(rng: Rng, adapter: readonly GlFactors[]): GlFactors[] {
  return adapter.map((f) => {
    const g = randomGl(f.r, rng);
    const U = new Float64Array(f.m * f.r);
    const V = new Float64Array(f.n * f.r);
    for (let i = 0; i < f.m; i++) for (let k = 0; k < f.r; k++) for (let j = 0; j < f.r; j++) U[i * f.r + j] += f.U[i * f.r + k] * g.R[k * f.r + j];
    // V·R⁻ᵀ: (V R⁻ᵀ)_ij = Σ_k V_ik (R⁻¹)_jk.
    for (let i = 0; i < f.n; i++) for (let k = 0; k < f.r; k++) for (let j = 0; j < f.r; j++) V[i * f.r + j] += f.V[i * f.r + k] * g.inverse[j * f.r + k];
    return { ...f, U, V };
  });
}

function randomTarget(rng: Rng, rows: number, classification: boolean): Target {
  if (!classification) return { kind: 'numeric', values: rng.gaussians(rows) };
  return { kind: 'classes', classes: Array.from({ length: rows }, (_, i) => i % 3), labels: ['a', 'b', 'c'] };
}

test('the GL-net objective gradient matches central finite differences (equivariant layers, gates, scale, head, head-only decay)', () => {
  const rng = Rng.fresh();
  for (const [classification, layers] of [
    [false, 1],
    [true, 2],
    [false, 3],
  ] as const) {
    const sizes = Array.from({ length: rng.int(1, 3) }, () => [rng.int(3, 9), rng.int(3, 9)] as const);
    const samples = Array.from({ length: rng.int(4, 8) }, () => randomAdapter(rng, sizes, rng.int(1, 4)));
    const target = networkTarget(randomTarget(rng, samples.length, classification));
    const hidden = [...Array.from({ length: layers }, () => rng.int(2, 4)), rng.int(2, 6)];
    const shape = glnetShape(samples[0], hidden, target.kind === 'regression' ? 1 : target.count);
    const batch = glBatch(samples);
    // Scales away from 1, so a missing 1/c in the backward pass is caught.
    const fixed = { scales: moduleScales(samples).map((c) => c * rng.uniform(0.3, 3)), standardizer: fitGlStandardizer(shape.widths, batch.traces, sizes.length) };
    const params = initGlNet(shape, rng);
    const wd = rng.next() * 0.05;
    const { grad } = glnetObjective(shape, params, batch, fixed, target, wd);
    // The gates are piecewise constant: a row sum within h·|∂s/∂θ| of 0 would flip inside the
    // difference; with O(1) sums and h = 1e-6 that has probability ~1e-5 per check.
    checkGradient(
      (p) => glnetObjective(shape, p, batch, fixed, target, wd).loss,
      params,
      grad,
      rng,
      `${classification ? 'classification' : 'regression'}, ${layers} layers`,
      120,
      1e-6,
    );
  }
});

test('the GL-net decays its head only: the equivariant weights add nothing to the penalty', () => {
  const rng = Rng.fresh();
  const sizes = [[rng.int(3, 8), rng.int(3, 8)] as const];
  const samples = Array.from({ length: 6 }, () => randomAdapter(rng, sizes, rng.int(1, 3)));
  const target = networkTarget(randomTarget(rng, samples.length, false));
  const shape = glnetShape(samples[0], [3, 3, 4], 1);
  const batch = glBatch(samples);
  const fixed = { scales: moduleScales(samples), standardizer: fitGlStandardizer(shape.widths, batch.traces, 1) };
  const params = initGlNet(shape, rng);
  const head = glnetOffsets(shape).head;
  const without = glnetObjective(shape, params, batch, fixed, target, 0);
  const withDecay = glnetObjective(shape, params, batch, fixed, target, 0.5);
  for (let i = 0; i < head; i++) assert.equal(withDecay.grad[i], without.grad[i], `equivariant parameter ${i} ${rng.tag}`);
  assert.ok(withDecay.loss > without.loss, `the head's decay is in the objective ${rng.tag}`);
});

test('the exported GL-net matches the TypeScript forward pass and its outputs stay put under GL(r) reparametrizations', async () => {
  const rng = Rng.fresh();
  for (const classification of [false, true]) {
    const sizes = Array.from({ length: rng.int(1, 3) }, () => [rng.int(6, 20), rng.int(6, 20)] as const);
    const samples = Array.from({ length: 10 }, () => randomAdapter(rng, sizes, rng.int(1, 5)));
    const model = trainGlNet(samples, randomTarget(rng, samples.length, classification), {
      hidden: [...Array.from({ length: rng.int(1, 3) }, () => rng.int(2, 5)), 6],
      epochs: 30,
      learningRate: 0.01,
      weightDecay: 1e-3,
      seed: rng.int(1, 1e6),
    });
    const session = await PredictorSession.create(encodeGlNetModel(model, 'glnet-test'), classification ? 'classification' : 'regression');
    try {
      for (let a = 0; a < 3; a++) {
        const adapter = randomAdapter(rng, sizes, rng.int(1, 6));
        const fromTs = predictGlNet(model, [adapter]);
        const fromOrt = await session.runFeeds(factorFeeds(adapter));
        const scale = Math.max(...fromTs.map(Math.abs));
        // float64 in both; ORT sums in another order (~1e-15 relative per product, amplified
        // by at most the network's Lipschitz constant, O(10) here).
        fromTs.forEach((v, i) => assert.ok(Math.abs(fromOrt[i] - v) <= 1e-9 * scale, `output ${i}: ORT ${fromOrt[i]} vs TS ${v} ${rng.tag}`));
        const moved = await session.runFeeds(factorFeeds(reparametrized(rng, adapter)));
        // R has cond ≤ 4, so U·R and V·R⁻ᵀ carry ~1e-15 relative rounding; the outputs move by
        // that times the network's sensitivity, far below the 1e-4 invariance bound.
        fromOrt.forEach((v, i) => assert.ok(Math.abs(moved[i] - v) <= 1e-8 * Math.max(Math.abs(v), scale), `reparametrized output ${i}: ${moved[i]} vs ${v} ${rng.tag}`));
      }
    } finally {
      await session.dispose();
    }
  }
});
