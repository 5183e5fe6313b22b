import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { lowRankSpectrum } from '../../../src/core/analysis/spectrum';
import type { TallFactor } from '../../../src/core/compute/backend';
import { OrtBackend } from '../../../src/core/compute/ort/ortBackend';
import { householderQR } from '../../../src/core/linalg/householder';
import { backends } from '../../helpers/backends';
import { gaussian, inverse, logSpaced, multiplyDense, scaleColumns, scaleRows, toColumnMajor, transposeDense } from '../../helpers/factors';
import { Rng } from '../../helpers/random';
import type { Dense } from '../../helpers/referenceSvd';

/**
 * Both backends, one tolerance table, fresh random inputs. Factors are planted so that ΔW's
 * spectrum is known: B = Q₁·diag(√σ)·G and A = G⁻¹·diag(√σ)·Q₂ᵀ give ΔW = Q₁·diag(σ)·Q₂ᵀ for
 * any invertible G, and G sets how ill-conditioned the factors themselves are. Sizes are large
 * enough that the ORT backend really runs its kernels (stacked, CholeskyQR2) rather than its
 * small-factor fallback.
 */
interface Case {
  readonly name: string;
  /** Spread of ΔW's singular values σ1/σr. */
  readonly spread: number;
  /** Condition number put into G (so into B and A). */
  readonly factorCond: number;
  /**
   * Relative error allowed for every σ ≥ floor·σ1, on both backends, or the input's own limit
   * where that is larger: the float64 factors carry ΔW only to ~ε·κ·σ1 absolute, so no method can
   * be held tighter than ~ε·κ·σ1/σi relative on σi.
   */
  readonly tolerance: number;
  readonly floor: number;
}

/** A few ulps: how far the stored factors' rounding alone moves σi, per unit of κ·σ1/σi. */
const INPUT_LIMIT = 8 * Number.EPSILON;

const TABLE: readonly Case[] = [
  { name: 'well-conditioned', spread: 1e2, factorCond: 10, tolerance: 1e-11, floor: 0 },
  { name: 'wide spectrum', spread: 1e8, factorCond: 10, tolerance: 1e-6, floor: 1e-6 },
  { name: 'ill-conditioned factors (κ 1e6)', spread: 1e4, factorCond: 1e6, tolerance: 1e-6, floor: 1e-6 },
  // Past CholeskyQR's reach (κ² > 1/ε): the ORT backend must fall back. The factors' own float64
  // rounding limits any method to ~ε·κ·σ1 absolute here, so only σ ≥ 1e-2·σ1 are held to 1e-5.
  { name: 'beyond CholeskyQR (κ 1e9)', spread: 1e3, factorCond: 1e9, tolerance: 1e-5, floor: 1e-2 },
];

function orthonormalColumns(rng: Rng, rows: number, cols: number): Dense {
  const { Q } = householderQR(toColumnMajor(gaussian(rng, rows, cols)));
  // Column-major Q back to row-major.
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = Q.data[j * rows + i];
  return { rows, cols, data };
}

function planted(rng: Rng, m: number, n: number, r: number, c: Case): { B: Dense; A: Dense; sigma: Float64Array } {
  const sigma = logSpaced(r, c.spread).map((x) => x * (0.5 + rng.next()));
  sigma.sort().reverse();
  const root = sigma.map(Math.sqrt);
  const G = multiplyDense(scaleRows(gaussian(rng, r, r), logSpaced(r, c.factorCond)), orthonormalColumns(rng, r, r));
  const B = multiplyDense(scaleColumns(orthonormalColumns(rng, m, r), root), G);
  const A = multiplyDense(inverse(G), scaleRows(transposeDense(orthonormalColumns(rng, n, r)), root));
  return { B, A, sigma };
}

const stored = (B: Dense, A: Dense): { B: TallFactor; At: TallFactor } => ({
  B: { rows: B.rows, cols: B.cols, layout: 'tall', values: B.data.slice() },
  At: { rows: A.cols, cols: A.rows, layout: 'wide', values: A.data.slice() },
});

for (const c of TABLE) {
  for (const { name, make } of backends()) {
    test(`${name} backend, ${c.name}: σ ≥ ${c.floor}·σ1 to ${c.tolerance} relative`, async () => {
      const rng = Rng.fresh();
      const backend = make();
      try {
        for (let trial = 0; trial < 3; trial++) {
          const r = [4, 8, 16][trial];
          const { B, A, sigma } = planted(rng, rng.int(600, 900), rng.int(600, 900), r, c);
          const got = (await lowRankSpectrum(stored(B, A), 1, backend)).singularValues;
          for (let i = 0; i < r; i++) {
            if (sigma[i] < c.floor * sigma[0]) continue;
            const error = Math.abs(got[i] - sigma[i]) / sigma[i];
            const allowed = Math.max(c.tolerance, INPUT_LIMIT * c.factorCond * (sigma[0] / sigma[i]));
            assert.ok(error <= allowed, `σ${i + 1}: relative error ${error} > ${allowed} (r = ${r}) ${rng.tag}`);
          }
        }
      } finally {
        await backend.dispose();
      }
    });
  }
}

test('stacks of equal shapes, both layouts and float32 input give the same R factors as Householder', async () => {
  const rng = Rng.fresh();
  const ort = new OrtBackend('cpu');
  const js = backends()[0].make();
  try {
    // Three factors of one shape (a stack of N = 3) in each layout, float32 and float64.
    const factors: TallFactor[] = [];
    for (const layout of ['tall', 'wide'] as const) {
      for (const precision of [Float32Array, Float64Array]) {
        for (let k = 0; k < 3; k++) {
          const X = gaussian(rng, 700, 12);
          const values = layout === 'tall' ? X.data : transposeDense(X).data;
          factors.push({ rows: 700, cols: 12, layout, values: precision.from(values) });
        }
      }
    }
    const copies = factors.map((f) => ({ ...f, values: f.values.slice() }));
    const fromOrt = await ort.triangularFactors(factors);
    const fromJs = await js.triangularFactors(copies);
    assert.equal(ort.fallbacks, 0);
    fromOrt.forEach((R, i) => {
      // R is unique up to the signs of its rows: compare |R|.
      let worst = 0;
      for (let k = 0; k < R.data.length; k++) worst = Math.max(worst, Math.abs(Math.abs(R.data[k]) - Math.abs(fromJs[i].data[k])));
      const scale = Math.max(...fromJs[i].data.map(Math.abs));
      assert.ok(worst <= 1e-12 * scale, `factor ${i}: |R| differs by ${worst / scale} relative ${rng.tag}`);
    });
  } finally {
    await ort.dispose();
    await js.dispose();
  }
});

test('a factor whose Gram is not positive definite takes the Householder fallback', async () => {
  const rng = Rng.fresh();
  const ort = new OrtBackend('cpu');
  try {
    const X = gaussian(rng, 800, 8);
    for (let i = 0; i < 800; i++) X.data[i * 8 + 7] = X.data[i * 8] * 3; // exactly rank-deficient
    const [R] = await ort.triangularFactors([{ rows: 800, cols: 8, layout: 'tall', values: X.data }]);
    assert.equal(ort.fallbacks, 1);
    assert.ok(Math.abs(R.data[7 * 8 + 7]) <= 1e-12 * Math.abs(R.data[0]), `rank deficiency shows in R ${rng.tag}`);
  } finally {
    await ort.dispose();
  }
});
