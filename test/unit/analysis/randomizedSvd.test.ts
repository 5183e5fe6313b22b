import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { randomizedSvd } from '../../../src/core/analysis/randomizedSvd';
import { JsDenseEngine, type DenseEngine, type DenseMatrix } from '../../../src/core/compute/dense';
import { OrtDenseEngine } from '../../../src/core/compute/ort/ortDense';
import { householderQR } from '../../../src/core/linalg/householder';
import { multiply, transpose, type Matrix } from '../../../src/core/linalg/matrix';
import { gaussian, toColumnMajor } from '../../helpers/factors';
import { Rng } from '../../helpers/random';

/**
 * Top-k SVD of dense matrices with known spectra (W = U·diag(σ)·Vᵀ, U and V orthonormal), fast
 * and slow decay, on both engines with one tolerance table. The stated accuracy is checked, not
 * just the values: each σ̂_i ≤ σ_i, σ_i − σ̂_i ≤ ε̂²/(2σ̂_i), ‖W·v_i − σ̂_i·u_i‖ ≤ ε̂.
 */
const ENGINES: { name: string; make: () => DenseEngine }[] = [
  { name: 'js', make: () => new JsDenseEngine() },
  { name: 'onnxruntime', make: () => new OrtDenseEngine('cpu', 1) },
];

const SPECTRA = [
  { name: 'fast decay (2^-i)', sigma: (i: number) => 2 ** -i, relative: 1e-12 },
  { name: 'slow decay (1/(i+1))', sigma: (i: number) => 1 / (i + 1), relative: null },
];

function orthonormal(rng: Rng, rows: number, cols: number): Matrix {
  return householderQR(toColumnMajor(gaussian(rng, rows, cols))).Q;
}

/** Row-major m×n W = U·diag(σ)·Vᵀ. */
function planted(rng: Rng, m: number, n: number, sigma: (i: number) => number): { W: DenseMatrix; values: number[] } {
  const r = Math.min(m, n);
  const values = Array.from({ length: r }, (_, i) => sigma(i));
  const U = orthonormal(rng, m, r);
  const scaled = { rows: m, cols: r, data: U.data.slice() };
  for (let j = 0; j < r; j++) for (let i = 0; i < m; i++) scaled.data[j * m + i] *= values[j];
  const Wcm = multiply(scaled, transpose(orthonormal(rng, n, r)));
  const rowMajor = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) rowMajor[i * n + j] = Wcm.data[j * m + i];
  return { W: { rows: m, cols: n, values: rowMajor }, values };
}

for (const spectrum of SPECTRA) {
  for (const { name, make } of ENGINES) {
    test(`${name}: top-10 of a 300×240 matrix, ${spectrum.name}, within the stated bound`, async () => {
      const rng = Rng.fresh();
      const engine = make();
      try {
        const { W, values } = planted(rng, 300, 240, spectrum.sigma);
        const top = await randomizedSvd(W, engine, { k: 10, gaussian: () => rng.gaussian() });
        const eps = top.residualBound;
        for (let i = 0; i < 10; i++) {
          const got = top.values[i];
          const want = values[i];
          assert.ok(got <= want * (1 + 1e-12), `σ̂${i + 1} = ${got} exceeds σ${i + 1} = ${want} ${rng.tag}`);
          assert.ok(want - got <= (eps * eps) / (2 * got) + 1e-13 * values[0], `σ${i + 1} error ${want - got} over the stated ${(eps * eps) / (2 * got)} ${rng.tag}`);
          if (spectrum.relative !== null) assert.ok((want - got) / want <= spectrum.relative, `σ${i + 1} relative error ${(want - got) / want} ${rng.tag}`);
          // Residual of each triplet: ‖W·v_i − σ̂_i·u_i‖ ≤ ε̂.
          const v = { rows: 240, cols: 1, data: top.V.data.slice(i * 240, (i + 1) * 240) };
          const Wv = await new JsDenseEngine().times(W, v);
          let res = 0;
          for (let t = 0; t < 300; t++) res += (Wv.data[t] - got * top.U.data[i * 300 + t]) ** 2;
          assert.ok(Math.sqrt(res) <= eps + 1e-12 * values[0], `triplet ${i + 1} residual ${Math.sqrt(res)} over ε̂ = ${eps} ${rng.tag}`);
        }
        // No rank-20 basis can do better than σ_21, and the estimate should not be far above it.
        const best = values[20];
        assert.ok(eps >= best && eps <= 100 * best, `ε̂ = ${eps} against the best possible ${best} ${rng.tag}`);
      } finally {
        await engine.dispose();
      }
    });
  }
}

test('float32 weights on ORT match the float64 reference engine on the same values', async () => {
  const rng = Rng.fresh();
  const { W } = planted(rng, 260, 200, (i) => 0.9 ** i);
  const W32: DenseMatrix = { ...W, values: Float32Array.from(W.values) };
  const W64: DenseMatrix = { ...W, values: Float64Array.from(W32.values) };
  const seed = rng.seed;
  const ort = new OrtDenseEngine('cpu', 1);
  try {
    const a = await randomizedSvd(W32, ort, {
      k: 8,
      gaussian: (
        (r) => () =>
          r.gaussian()
      )(new Rng(seed)),
    });
    const b = await randomizedSvd(W64, new JsDenseEngine(), {
      k: 8,
      gaussian: (
        (r) => () =>
          r.gaussian()
      )(new Rng(seed)),
    });
    a.values.forEach((x, i) => assert.ok(Math.abs(x - b.values[i]) <= 1e-12 * b.values[0], `σ${i + 1} ${rng.tag}`));
  } finally {
    await ort.dispose();
  }
});
