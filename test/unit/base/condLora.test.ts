import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { randomizedSvd } from '../../../src/core/analysis/randomizedSvd';
import { conversionMatrices, EXACT_LIMIT } from '../../../src/core/base/condLora';
import { conversionSimilarity, randomCosineRms } from '../../../src/core/base/conversionSimilarity';
import { JsDenseEngine, type DenseMatrix } from '../../../src/core/compute/dense';
import { multiply, transpose, type Matrix } from '../../../src/core/linalg/matrix';
import { gaussian, multiplyDense, transposeDense } from '../../helpers/factors';
import { Rng } from '../../helpers/random';
import type { Dense } from '../../helpers/referenceSvd';
import { basisOfRaw, reparametrize, type RawModule } from '../subspace/plantedModules';
import { orthonormal } from '../subspace/plantedModules';
import { rowMajor } from './baseFixtures';

/**
 * CondLoRA conversion matrices: a conversion shared by every layer (B_l = W0_l·C_B,
 * A_l = C_Aᵀ·W0_l) is recovered as a cross-layer cosine of 1 under any per-layer reparametrization,
 * unrelated layers sit at the random baseline, and the baseline's formula holds by Monte Carlo.
 */
const engine = new JsDenseEngine();

function dense(W: DenseMatrix): Dense {
  return { rows: W.rows, cols: W.cols, data: Float64Array.from(W.values) };
}

/** Random square-or-not W0 (Gaussian: full rank, cond ≲ 10²). */
function randomW0(rng: Rng, m: number, n: number): DenseMatrix {
  return { rows: m, cols: n, values: rng.gaussians(m * n) };
}

async function conversionOf(rng: Rng, W0: DenseMatrix, f: RawModule) {
  const top = await randomizedSvd(W0, engine, { k: 8, gaussian: () => rng.gaussian() });
  return conversionMatrices(W0, top, basisOfRaw(f));
}

for (const [m, n] of [
  [24, 24],
  [30, 20],
  [20, 30],
]) {
  test(`a conversion shared across 4 layers (W0 ${m}×${n}) under each layer's own (B·R, R⁻¹·A): cosine 1 when square, far above chance otherwise; unrelated layers at chance`, async () => {
    const rng = Rng.fresh();
    const r = 3;
    const CB = gaussian(rng, n, r);
    const CA = gaussian(rng, m, r);
    const shared = [];
    const unrelated = [];
    for (let l = 0; l < 4; l++) {
      const W0 = randomW0(rng, m, n);
      const W = dense(W0);
      // B = W0·C_B, A = C_Aᵀ·W0: ΔW = W0·C_B·C_Aᵀ·W0, and K = W0⁺·ΔW·W0⁺ = C_B·C_Aᵀ for invertible W0.
      const f: RawModule = { s: 1, B: multiplyDense(W, CB), A: transposeDense(multiplyDense(transposeDense(W), CA)) };
      shared.push(await conversionOf(rng, W0, reparametrize(rng, f)));
      unrelated.push(await conversionOf(rng, W0, { s: 1, B: gaussian(rng, m, r), A: gaussian(rng, r, n) }));
    }
    assert.ok(shared.every((c) => c.method === 'qr'));
    const sim = conversionSimilarity(['l0', 'l1', 'l2', 'l3'], shared);
    if (m === n) {
      for (const c of sim.cosines.data) assert.ok(Math.abs(c - 1) < 1e-8, `cos ${c} ${rng.tag}`);
    } else {
      // Non-square: one of W0⁺·W0, W0·W0⁺ is a projection onto the layer's own min(m, n)-dim row or
      // column space, so each layer recovers a different part of the shared C; still far above chance.
      assert.ok(sim.meanAbsOffDiagonal > 5 * sim.baselineRms, `${sim.meanAbsOffDiagonal} vs ${sim.baselineRms} ${rng.tag}`);
    }
    const rand = conversionSimilarity(['l0', 'l1', 'l2', 'l3'], unrelated);
    assert.ok(rand.meanAbsOffDiagonal < 5 * rand.baselineRms, `${rand.meanAbsOffDiagonal} vs ${rand.baselineRms} ${rng.tag}`);
    assert.equal(rand.baselineRms, 1 / Math.sqrt(m * n));
  });
}

test("exact C_B, C_A solve the least-squares problems: W0·C_B = B̃ (tall W0) and W0ᵀ·C_A = Ãᵀ (min norm, in W0's column space)", async () => {
  const rng = Rng.fresh();
  const [m, n, r] = [30, 20, 4];
  const W0 = randomW0(rng, m, n);
  const f: RawModule = { s: 0.5, B: multiplyDense(dense(W0), gaussian(rng, n, r)), A: gaussian(rng, r, n) };
  const c = await conversionOf(rng, W0, f);
  const basis = basisOfRaw(f);
  // B̃ = X·Σ^½ lies in W0's column space here, so the residual is zero.
  const W0c = transpose({ rows: n, cols: m, data: Float64Array.from(W0.values) });
  const WCB = multiply(W0c, c.CB);
  for (let j = 0; j < r; j++) {
    for (let i = 0; i < m; i++) {
      const want = basis.X.data[j * m + i] * Math.sqrt(basis.sigma[j]);
      assert.ok(Math.abs(WCB.data[j * m + i] - want) < 1e-9 * Math.sqrt(basis.sigma[0]), rng.tag);
    }
  }
  // C_A (m×r) is the min-norm solution of the underdetermined W0ᵀ·C = Ãᵀ (n×r): W0ᵀ·C_A = Ãᵀ.
  const WtCA = multiply(transpose(W0c), c.CA);
  for (let j = 0; j < r; j++) {
    for (let i = 0; i < n; i++) {
      const want = basis.Y.data[j * n + i] * Math.sqrt(basis.sigma[j]);
      assert.ok(Math.abs(WtCA.data[j * n + i] - want) < 1e-9 * Math.sqrt(basis.sigma[0]), rng.tag);
    }
  }
});

test('the truncated pseudo-inverse equals the exact one on a W0 of rank K (past EXACT_LIMIT)', async () => {
  const rng = Rng.fresh();
  const [m, n, K, r] = [1040, 1020, 6, 2];
  assert.ok(m * n > EXACT_LIMIT);
  // W0 = U0·diag(σ)·V0ᵀ of rank K, built from thin factors (a full planted SVD would cost 10⁹ flops).
  const U0 = orthonormal(rng, m, K);
  const V0 = orthonormal(rng, n, K);
  const values = Float64Array.from({ length: K }, (_, i) => 5 - 0.5 * i);
  const scaled = { rows: m, cols: K, data: U0.data.map((x, idx) => x * values[Math.floor(idx / m)]) };
  const base = { W0: { rows: m, cols: n, values: rowMajor(multiply(scaled, transpose(V0))) }, U0, V0, values };
  const f: RawModule = { s: 1, B: gaussian(rng, m, r), A: gaussian(rng, r, n) };
  const top = await randomizedSvd(base.W0, engine, { k: K, gaussian: () => rng.gaussian() });
  const c = conversionMatrices(base.W0, top, basisOfRaw(f));
  assert.equal(c.method, 'truncated');
  // W0⁺ = V0[:, :K]·Σ⁻¹·U0[:, :K]ᵀ exactly: compare C_B with it.
  const basis = basisOfRaw(f);
  const Bt: Matrix = { rows: m, cols: r, data: basis.X.data.slice(0, m * r).map((x, idx) => x * Math.sqrt(basis.sigma[Math.floor(idx / m)])) };
  const U = { rows: m, cols: K, data: base.U0.data.slice(0, m * K) };
  const V = { rows: n, cols: K, data: base.V0.data.slice(0, n * K) };
  const S = multiply(transpose(U), Bt);
  for (let j = 0; j < r; j++) for (let i = 0; i < K; i++) S.data[j * K + i] /= base.values[i];
  const want = multiply(V, S);
  let err = 0;
  let size = 0;
  for (let i = 0; i < want.data.length; i++) {
    err = Math.max(err, Math.abs(c.CB.data[i] - want.data[i]));
    size = Math.max(size, Math.abs(want.data[i]));
  }
  assert.ok(err < 1e-8 * size, `${err} vs ${size} ${rng.tag}`);
});

test('Monte Carlo: E[cos²(K1, K2)] = 1/(n·m) for K = C_B·C_Aᵀ with Gaussian factors', () => {
  const rng = Rng.fresh();
  const [n, m, r, trials] = [7, 5, 2, 4000];
  let sum = 0;
  const draw = () => ({ CB: { rows: n, cols: r, data: rng.gaussians(n * r) }, CA: { rows: m, cols: r, data: rng.gaussians(m * r) }, method: 'qr' as const, rank: 5 });
  for (let t = 0; t < trials; t++) {
    const c = conversionSimilarity(['a', 'b'], [draw(), draw()]).cosines.data[1];
    sum += c * c;
  }
  const mean = sum / trials;
  const want = randomCosineRms(n * m) ** 2;
  // cos² has variance ≲ 3/N² (it is ≤ 1 and mean 1/N); 4000 trials: a 4.5σ band is ~±14% of 1/N.
  assert.ok(Math.abs(mean / want - 1) < 0.2, `${mean} vs ${want} ${rng.tag}`);
});

test("the cross-layer cosines of unrelated layers do not move under each layer's own (B·R, R⁻¹·A)", async () => {
  const rng = Rng.fresh();
  const [m, n, r] = [26, 22, 4];
  const layers = Array.from({ length: 3 }, () => ({ W0: randomW0(rng, m, n), f: { s: 0.3, B: gaussian(rng, m, r), A: gaussian(rng, r, n) } as RawModule }));
  const a = conversionSimilarity(['0', '1', '2'], await Promise.all(layers.map((l) => conversionOf(rng, l.W0, l.f))));
  const b = conversionSimilarity(['0', '1', '2'], await Promise.all(layers.map((l) => conversionOf(rng, l.W0, reparametrize(rng, l.f)))));
  for (let i = 0; i < 9; i++) assert.ok(Math.abs(a.cosines.data[i] - b.cosines.data[i]) < 1e-9, `${a.cosines.data[i]} vs ${b.cosines.data[i]} ${rng.tag}`);
  assert.ok(
    a.cosines.data.some((c, i) => i % 4 !== 0 && Math.abs(c) > 1e-6),
    'the off-diagonal cosines are not all zero',
  );
});
