import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { denseOperator, randomizedSvd, randomizedSvdOf } from '../../../src/core/analysis/randomizedSvd';
import { lowRankUpdate } from '../../../src/core/base/lowRankUpdate';
import { JsDenseEngine } from '../../../src/core/compute/dense';
import { multiply, transpose } from '../../../src/core/linalg/matrix';
import { Rng } from '../../helpers/random';
import { orthonormal } from '../subspace/plantedModules';
import { columnMajor, ENGINES, plantedBase, rowMajor } from './baseFixtures';

/** W0 + X·Σ·Yᵀ applied unformed gives the same products and top SVD as the formed sum. */
for (const { name, make } of ENGINES) {
  test(`${name}: products and top-8 SVD of the unformed W0 + X·Σ·Yᵀ match the formed matrix`, async () => {
    const rng = Rng.fresh();
    const engine = make();
    try {
      const [m, n, p] = [50, 40, 4];
      const base = plantedBase(rng, m, n, (i) => 2 ** (-i / 3));
      const X = orthonormal(rng, m, p);
      const Y = orthonormal(rng, n, p);
      const sigma = [3, 1.5, 0.7, 0.2];
      const op = lowRankUpdate(denseOperator(base.W0, engine), X, sigma, Y);
      const XS = { rows: m, cols: p, data: X.data.map((x, i) => x * sigma[Math.floor(i / m)]) };
      const sum = columnMajor(base.W0);
      const dW = multiply(XS, transpose(Y));
      for (let i = 0; i < sum.data.length; i++) sum.data[i] += dW.data[i];
      const formed = { rows: m, cols: n, values: rowMajor(sum) };
      const Z = { rows: n, cols: 3, data: rng.gaussians(n * 3) };
      const got = await op.times(Z);
      const want = multiply(sum, Z);
      for (let i = 0; i < want.data.length; i++) assert.ok(Math.abs(got.data[i] - want.data[i]) < 1e-12 * 10, rng.tag);
      const Zt = { rows: m, cols: 3, data: rng.gaussians(m * 3) };
      const gotT = await op.timesTransposed(Zt);
      const wantT = multiply(transpose(sum), Zt);
      for (let i = 0; i < wantT.data.length; i++) assert.ok(Math.abs(gotT.data[i] - wantT.data[i]) < 1e-12 * 10, rng.tag);
      const a = await randomizedSvdOf(op, { k: 8, gaussian: () => rng.gaussian() });
      const b = await randomizedSvd(formed, new JsDenseEngine(), { k: 8, gaussian: () => rng.gaussian() });
      for (let i = 0; i < 8; i++) {
        const tol = (a.residualBound ** 2 + b.residualBound ** 2) / a.values[i] + 1e-12 * a.values[0];
        assert.ok(Math.abs(a.values[i] - b.values[i]) <= tol, `σ${i + 1}: ${a.values[i]} vs ${b.values[i]} ${rng.tag}`);
      }
    } finally {
      await engine.dispose();
    }
  });
}
