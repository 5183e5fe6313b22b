import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { denseOperator, randomizedSvd } from '../../../src/core/analysis/randomizedSvd';
import { baseAlignment } from '../../../src/core/base/alignment';
import { intruderDimensions } from '../../../src/core/base/intruders';
import { denseSvd } from '../../../src/core/linalg/denseSvd';
import { frobeniusNorm, multiply, transposeMultiply } from '../../../src/core/linalg/matrix';
import { multiplyDense, toColumnMajor } from '../../helpers/factors';
import { Rng } from '../../helpers/random';
import { basisOfRaw, moduleFromBasis, reparametrize } from '../subspace/plantedModules';
import { cols, columnMajor, ENGINES, plantedBase } from './baseFixtures';

/**
 * Alignment, amplification and intruders on planted cases with known answers: ΔW inside W0's
 * top singular directions (every cosine 1, no intruder) and on W0's weakest directions, outside
 * its top K = 2k (every cosine 0, exactly r intruders, since W0 + ΔW then has ΔW's directions
 * among its top k by construction). Both engines, fresh inputs each run.
 */
const [m, n, r, k] = [70, 56, 3, 10];
const decay = (i: number) => 10 * 0.8 ** i;

for (const { name, make } of ENGINES) {
  test(`${name}: ΔW inside W0's top subspace: cosines 1, no intruders, amplification = ‖σΔ‖ / ‖σ0[:r]‖`, async () => {
    const rng = Rng.fresh();
    const engine = make();
    try {
      const base = plantedBase(rng, m, n, decay);
      const dsig = [3, 2, 1];
      const basis = basisOfRaw(moduleFromBasis(rng, cols(base.U0, 0, r), dsig, cols(base.V0, 0, r), 0.5));
      const top = await randomizedSvd(base.W0, engine, { k: 2 * k + 1, gaussian: () => rng.gaussian() });
      const al = await baseAlignment(denseOperator(base.W0, engine), top, basis, k);
      assert.equal(al.kDelta, r);
      for (const c of [...al.columnCosines, ...al.rowCosines]) assert.ok(Math.abs(c - 1) < 1e-9, `cosine ${c} ${rng.tag}`);
      // Xᵀ·W0·Y = diag(σ0[:r]) up to signs: amplification = ‖σΔ‖ / ‖σ0[:r]‖.
      const want = Math.hypot(...dsig) / Math.hypot(...base.values.slice(0, r));
      assert.ok(Math.abs(al.amplification / want - 1) < 1e-9, `amplification ${al.amplification} vs ${want} ${rng.tag}`);
      const intr = await intruderDimensions(denseOperator(base.W0, engine), top, 2 * k, basis, k, { gaussian: () => rng.gaussian() });
      assert.equal(intr.count, 0, `best cosines ${[...intr.bestCosines]} ${rng.tag}`);
      assert.equal(intr.uncertain, 0, `errors ${[...intr.vectorErrors]}, W0's ${Math.max(...intr.baseVectorErrors)} ${rng.tag}`);
      assert.ok(
        intr.bestCosines.every((c) => c > 0.99),
        `${[...intr.bestCosines]} ${rng.tag}`,
      );
    } finally {
      await engine.dispose();
    }
  });

  test(`${name}: ΔW on W0's weakest directions: cosines 0, exactly r intruders at the planted ranks`, async () => {
    const rng = Rng.fresh();
    const engine = make();
    try {
      const base = plantedBase(rng, m, n, decay);
      // W0's σ: 10, 8, 6.4, 5.12, 4.1, … ; ΔW's 9, 7, 4.5 on directions 50..52 (σ0 ≈ 1e-4 there)
      // put W0 + ΔW's top 10 at ranks 1, 3, 6 (0-based) for ΔW and the rest for W0.
      const dsig = [9, 7, 4.5];
      const basis = basisOfRaw(moduleFromBasis(rng, cols(base.U0, 50, 53), dsig, cols(base.V0, 50, 53), 2));
      const top = await randomizedSvd(base.W0, engine, { k: 2 * k + 1, gaussian: () => rng.gaussian() });
      const al = await baseAlignment(denseOperator(base.W0, engine), top, basis, k);
      for (const c of [...al.columnCosines, ...al.rowCosines]) assert.ok(c < 1e-6, `cosine ${c} ${rng.tag}`);
      assert.ok(al.columnOverlap < 1e-10);
      const intr = await intruderDimensions(denseOperator(base.W0, engine), top, 2 * k, basis, k, { gaussian: () => rng.gaussian() });
      assert.equal(intr.count, r, `best cosines ${[...intr.bestCosines]} ${rng.tag}`);
      assert.deepEqual(intr.indices, [1, 3, 6], `${[...intr.tunedValues]} ${rng.tag}`);
      assert.equal(intr.uncertain, 0, `errors ${[...intr.vectorErrors]}, W0's ${Math.max(...intr.baseVectorErrors)} ${rng.tag}`);
      // The amplification is huge: W0 barely acts on ΔW's directions (σ0 ≈ 10·0.8^51).
      assert.ok(al.amplification > 1e3, `${al.amplification}`);
    } finally {
      await engine.dispose();
    }
  });
}

test('amplification and cosines match a dense float64 reference on random factors, and do not move under (B·R, R⁻¹·A)', async () => {
  const rng = Rng.fresh();
  const engine = ENGINES[0].make();
  const base = plantedBase(rng, m, n, (i) => 1 / (1 + i) + 0.1 * rng.next());
  // Random factors, unrelated to W0: B Gaussian, A Gaussian.
  const f = { s: 0.7, B: { rows: m, cols: r, data: rng.gaussians(m * r) }, A: { rows: r, cols: n, data: rng.gaussians(r * n) } };
  const top = await randomizedSvd(base.W0, engine, { k: 2 * k + 1, gaussian: () => rng.gaussian() });
  const al = await baseAlignment(denseOperator(base.W0, engine), top, basisOfRaw(f), k);
  // Reference: ΔW formed, its SVD by dense Jacobi, Uᵀ·W0·V formed.
  const dW = toColumnMajor(multiplyDense(f.B, f.A));
  for (let i = 0; i < dW.data.length; i++) dW.data[i] *= f.s;
  const svd = denseSvd(dW, true);
  if (!svd.U || !svd.V) throw new Error('no vectors');
  const U = cols(svd.U, 0, r);
  const V = cols(svd.V, 0, r);
  const projected = frobeniusNorm(transposeMultiply(U, multiply(columnMajor(base.W0), V)));
  const want = frobeniusNorm(dW) / projected;
  assert.ok(Math.abs(al.amplification / want - 1) < 1e-10, `${al.amplification} vs ${want} ${rng.tag}`);
  const other = await baseAlignment(denseOperator(base.W0, engine), top, basisOfRaw(reparametrize(rng, f)), k);
  assert.ok(Math.abs(other.amplification / al.amplification - 1) < 1e-8, `${other.amplification} vs ${al.amplification} ${rng.tag}`);
  for (let i = 0; i < r; i++) {
    assert.ok(Math.abs(other.columnCosines[i] - al.columnCosines[i]) < 1e-8, rng.tag);
    assert.ok(Math.abs(other.rowCosines[i] - al.rowCosines[i]) < 1e-8, rng.tag);
  }
  const i1 = await intruderDimensions(denseOperator(base.W0, engine), top, 2 * k, basisOfRaw(f), k, { gaussian: () => rng.gaussian() });
  const i2 = await intruderDimensions(denseOperator(base.W0, engine), top, 2 * k, basisOfRaw(reparametrize(rng, f)), k, { gaussian: () => rng.gaussian() });
  assert.equal(i1.count, i2.count, rng.tag);
  for (let i = 0; i < k; i++) assert.ok(Math.abs(i1.tunedValues[i] - i2.tunedValues[i]) <= 1e-8 * i1.tunedValues[0] + i1.tunedResidualBound ** 2 / i1.tunedValues[i], rng.tag);
});
