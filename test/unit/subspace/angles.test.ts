import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { transposeMultiply } from '../../../src/core/linalg/matrix';
import { principalAngles } from '../../../src/core/subspace/angles';
import { phiAt, phiGrid, randomPhi } from '../../../src/core/subspace/phi';
import { compareBases } from '../../../src/core/subspace/similarity';
import { logSpaced } from '../../helpers/factors';
import { Rng } from '../../helpers/random';
import { basisOfRaw, columns, moduleFromBasis, orthonormal, rotateTowards } from './plantedModules';

/** Planted subspaces: X2 = X1·cos θ + X⊥·sin θ column by column has principal angles exactly θ. */
function planted(rng: Rng, d: number, k: number, theta: Float64Array) {
  const Q = orthonormal(rng, d, 2 * k);
  const X1 = columns(Q, 0, k);
  return { X1, X2: rotateTowards(X1, columns(Q, k, 2 * k), theta) };
}

test('principal angles of planted subspaces, from 1e-9 rad to 90°, in degrees and cosines', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 20; trial++) {
    const k = rng.int(1, 6);
    const d = rng.int(2 * k, 60);
    // Log-uniform from 1e-9 rad to π/2: tiny angles need the sine branch.
    const theta = Float64Array.from({ length: k }, () => Math.min(Math.PI / 2, 10 ** (-9 + 9.2 * rng.next())));
    const { X1, X2 } = planted(rng, d, k, theta);
    const got = principalAngles(X1, X2, k);
    const want = Array.from(theta).sort((a, b) => a - b);
    want.forEach((t, i) => {
      const deg = (t * 180) / Math.PI;
      assert.ok(Math.abs(got.degrees[i] - deg) <= 1e-12 * 90 + 1e-9 * deg, `θ${i + 1} = ${got.degrees[i]}° vs ${deg}° (d ${d}, k ${k}) ${rng.tag}`);
      assert.ok(Math.abs(got.cosines[i] - Math.cos(t)) <= 1e-14, `cos θ${i + 1} ${rng.tag}`);
    });
  }
});

test('principal angles through the full route: planted column and row spaces of two raw adapters', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 10; trial++) {
    const r = rng.int(1, 6);
    const [m, n] = [rng.int(2 * r, 40), rng.int(2 * r, 40)];
    const thetaX = Float64Array.from({ length: r }, () => (Math.PI / 2) * rng.next());
    const thetaY = Float64Array.from({ length: r }, () => (Math.PI / 2) * rng.next());
    const x = planted(rng, m, r, thetaX);
    const y = planted(rng, n, r, thetaY);
    // Descending σ with gaps keep X's column order: φ(i, j) of the planted pair is then known.
    const a = moduleFromBasis(rng, x.X1, logSpaced(r, 100), y.X1, 2);
    const b = moduleFromBasis(rng, x.X2, logSpaced(r, 50), y.X2, 0.3);
    const got = compareBases(basisOfRaw(a), basisOfRaw(b), { k: r, grid: true });
    assert.equal(got.k, r);
    const degrees = (t: Float64Array) => Array.from(t, (v) => (v * 180) / Math.PI).sort((p, q) => p - q);
    degrees(thetaX).forEach((deg, i) => assert.ok(Math.abs(got.column.degrees[i] - deg) <= 1e-8, `column θ${i + 1} ${got.column.degrees[i]} vs ${deg} ${rng.tag}`));
    degrees(thetaY).forEach((deg, i) => assert.ok(Math.abs(got.row.degrees[i] - deg) <= 1e-8, `row θ${i + 1} ${rng.tag}`));
    // X1ᵀX2 = diag(cos θ) up to signs: φ(i, j) = Σ_{l ≤ min(i, j)} cos² θ_l / min(i, j).
    const grid = got.grid?.column;
    assert.ok(grid);
    for (let i = 1; i <= r; i++) {
      for (let j = 1; j <= r; j++) {
        let want = 0;
        for (let l = 0; l < Math.min(i, j); l++) want += Math.cos(thetaX[l]) ** 2;
        want /= Math.min(i, j);
        assert.ok(Math.abs(grid.data[(j - 1) * r + (i - 1)] - want) <= 1e-10, `φ(${i}, ${j}) ${rng.tag}`);
      }
    }
  }
});

test('φ grid: identical spans give 1 on and below the diagonal block, nested spans give 1, orthogonal ones 0', () => {
  const rng = Rng.fresh();
  const d = rng.int(12, 40);
  const Q = orthonormal(rng, d, 8);
  const same = phiGrid(transposeMultiply(columns(Q, 0, 4), columns(Q, 0, 4)));
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(same.data[i * 4 + i] - 1) <= 1e-14, rng.tag);
  // span(Q[:, :2]) ⊂ span(Q[:, :4]): φ(2, 4) = 1 even though the bases differ in size.
  const nested = phiGrid(transposeMultiply(columns(Q, 0, 2), columns(Q, 0, 4)));
  assert.ok(Math.abs(nested.data[3 * 2 + 1] - 1) <= 1e-14, rng.tag);
  const orthogonal = phiGrid(transposeMultiply(columns(Q, 0, 4), columns(Q, 4, 8)));
  for (const v of orthogonal.data) assert.ok(v <= 1e-28, rng.tag);
});

test('random baseline: E[φ(i, j)] = max(i, j)/d for independent uniformly random subspaces (Monte Carlo, 5 standard errors)', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 4; trial++) {
    const d = rng.int(16, 64);
    const i = rng.int(1, 6);
    const j = rng.int(1, 6);
    const samples = 400;
    let sum = 0;
    let sum2 = 0;
    for (let s = 0; s < samples; s++) {
      const C = transposeMultiply(orthonormal(rng, d, i), orthonormal(rng, d, j));
      const phi = phiGrid(C).data[(j - 1) * i + (i - 1)];
      if (i === j) assert.ok(Math.abs(phi - phiAt(C, i)) <= 1e-15);
      sum += phi;
      sum2 += phi * phi;
    }
    const mean = sum / samples;
    const stderr = Math.sqrt(Math.max(0, sum2 / samples - mean * mean) / samples);
    const want = randomPhi(i, j, d);
    // φ is right-skewed (φ(1, 1) is a Beta(1/2, (d − 1)/2) cosine²), so a sample short of large
    // values has both a low mean and a low standard error: the t statistic's lower tail is heavy.
    // Simulated for φ(1, 1), d = 16, 400 samples: t < −4 in 4.5e-4 of 40 000 draws (the normal
    // tail is 3e-5), the least t −5.3. Five standard errors is still a fraction of 1/d.
    assert.ok(Math.abs(mean - want) <= 5 * stderr + 1e-12, `d ${d}, i ${i}, j ${j}: mean ${mean} vs ${want} ± ${stderr} ${rng.tag}`);
  }
});
