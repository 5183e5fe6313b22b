import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { productSvd } from '../../../src/core/linalg/productSvd';
import type { Matrix } from '../../../src/core/linalg/matrix';
import { gaussian, logSpaced, scaleColumns, toColumnMajor } from '../../helpers/factors';
import { asDD, frobenius, orthonormalityError, product, reconstructionError, relativeErrors, shuffled } from '../../helpers/linalgChecks';
import { Rng } from '../../helpers/random';
import { materialize, referenceSingularValues, type Dense } from '../../helpers/referenceSvd';

const EPS = Number.EPSILON;

/** Gᵀ for column-major G. */
function transposed(G: Matrix): Matrix {
  const out = new Float64Array(G.rows * G.cols);
  for (let j = 0; j < G.cols; j++) for (let i = 0; i < G.rows; i++) out[i * G.cols + j] = G.data[j * G.rows + i];
  return { rows: G.cols, cols: G.rows, data: out };
}

/** Column-major X as row-major Dense (for the reference). */
function rowMajor(X: Matrix): Dense {
  const data = new Float64Array(X.rows * X.cols);
  for (let i = 0; i < X.rows; i++) for (let j = 0; j < X.cols; j++) data[i * X.cols + j] = X.data[j * X.rows + i];
  return { rows: X.rows, cols: X.cols, data };
}

test('productSvd: U·Σ·Vᵀ = F·Gᵀ with orthonormal U, V, any k1, k2, r', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 40; trial++) {
    const [k1, k2, r] = [rng.int(1, 12), rng.int(1, 12), rng.int(1, 12)];
    const F = toColumnMajor(gaussian(rng, k1, r));
    const G = toColumnMajor(gaussian(rng, k2, r));
    const { values, U, V } = productSvd(F, G);
    const p = Math.min(k1, k2, r);
    assert.equal(values.length, Math.min(k1, k2), `${k1}×${k2} product: min(k1, k2) values ${rng.tag}`);
    assert.ok(U && V && U.cols === p && V.cols === p && U.rows === k1 && V.rows === k2, `vectors for the first min(k1, k2, r) values ${rng.tag}`);
    for (let i = p; i < values.length; i++) assert.equal(values[i], 0, `values past the rank bound are exact zeros ${rng.tag}`);
    for (let i = 1; i < values.length; i++) assert.ok(values[i] <= values[i - 1], `descending ${rng.tag}`);
    const FGt = product(F, transposed(G));
    const size = Math.max(k1, k2, r);
    assert.ok(reconstructionError(U, values, V, FGt) <= 8 * size * EPS * frobenius(F) * frobenius(G), `‖UΣVᵀ − F·Gᵀ‖ ${rng.tag}`);
    assert.ok(orthonormalityError(U) <= 4 * size * EPS && orthonormalityError(V) <= 4 * size * EPS, `orthonormal ${rng.tag}`);
    assert.equal(productSvd(F, G, false).U, undefined);
  }
  assert.throws(() => productSvd(toColumnMajor(gaussian(rng, 3, 2)), toColumnMajor(gaussian(rng, 3, 3))), RangeError);
});

test('productSvd keeps every σ of X·D·Yᵀ to 16·(κ(X) + κ(Y))·ε relative, components in any order, spread 1e14', (t) => {
  // Demmel et al. 1999, Thm 3.1: relative error O((κ(X) + κ(Y))·ε) for well-conditioned X, Y.
  const rng = Rng.fresh();
  let worst = 0;
  for (let trial = 0; trial < 16; trial++) {
    const r = rng.int(2, 10);
    const k1 = rng.int(r, 14);
    const k2 = rng.int(r, 14);
    // The grading may sit on either side or be split between them; only the product D1·D2 shows.
    const d = shuffled(rng, logSpaced(r, 1e7));
    const e = trial % 2 === 0 ? d : shuffled(rng, logSpaced(r, 1e7));
    const X = gaussian(rng, k1, r);
    const Y = gaussian(rng, k2, r);
    const kappa = [X, Y].map((Z) => referenceSingularValues(asDD(Z))).reduce((acc, z) => acc + z[0] / z[r - 1], 0);
    const F = toColumnMajor(scaleColumns(X, d));
    const G = toColumnMajor(scaleColumns(Y, e));
    const want = referenceSingularValues(materialize(1, rowMajor(F), rowMajor(transposed(G))));
    const got = productSvd(F, G, false).values;
    for (let i = r; i < got.length; i++) assert.equal(got[i], 0, `rank r: σ${i + 1} is an exact zero ${rng.tag}`);
    const { error, index } = relativeErrors(got.subarray(0, r), want.slice(0, r));
    worst = Math.max(worst, error / (kappa * EPS));
    assert.ok(error <= 16 * kappa * EPS, `κ(X) + κ(Y) = ${kappa}; σ${index + 1}/σ1 = ${want[index] / want[0]}: relative error ${error} ${rng.tag}`);
  }
  t.diagnostic(`worst relative error / ((κ(X) + κ(Y))·ε): ${worst.toFixed(2)}`);
});

test('productSvd: r = 64, components spread over 1e20 to 1e30 in any order: converges with U·Σ·Vᵀ = F·Gᵀ and orthonormal U, V', () => {
  // The spread is split between the factors, as LoRA training leaves it. The Jacobi stage used
  // to run out of sweeps (measured before: 6 of 30 seeds at 1e20, about half at 1e26 to 1e30).
  const rng = Rng.fresh();
  for (let trial = 0; trial < 16; trial++) {
    const spread = 10 ** (20 + (trial % 11));
    const F = toColumnMajor(scaleColumns(gaussian(rng, 64, 64), shuffled(rng, logSpaced(64, Math.sqrt(spread)))));
    const G = toColumnMajor(scaleColumns(gaussian(rng, 64, 64), shuffled(rng, logSpaced(64, Math.sqrt(spread)))));
    const { U, V, values } = productSvd(F, G);
    assert.ok(U && V && reconstructionError(U, values, V, product(F, transposed(G))) <= 8 * 64 * EPS * frobenius(F) * frobenius(G), `‖UΣVᵀ − F·Gᵀ‖, spread ${spread} ${rng.tag}`);
    assert.ok(orthonormalityError(U) <= 4 * 64 * EPS && orthonormalityError(V) <= 4 * 64 * EPS, `orthonormal U, V, spread ${spread} ${rng.tag}`);
  }
});

test('productSvd: r = 64, spreads 1e24 and 1e30: every σ to 16·κ(X)·ε against an exact double-double reference', (t) => {
  // A formed Gaussian product is known in double-double only to ~1e-32·σ1, too coarse for σ
  // 1e-30 below σ1; with G a scaled signed permutation every entry of F·Gᵀ is one exact product,
  // and σ(F·Gᵀ) = σ(X·D·E) is column-graded, which the reference's own Jacobi keeps accurate.
  const rng = Rng.fresh();
  let worst = 0;
  for (const spread of [1e24, 1e30]) {
    const X = gaussian(rng, 64, 64);
    const z = referenceSingularValues(asDD(X));
    const kappa = z[0] / z[63];
    const F = toColumnMajor(scaleColumns(X, shuffled(rng, logSpaced(64, Math.sqrt(spread)))));
    const e = shuffled(rng, logSpaced(64, Math.sqrt(spread)));
    const rows = shuffled(
      rng,
      Float64Array.from({ length: 64 }, (_, i) => i),
    );
    const G: Matrix = { rows: 64, cols: 64, data: new Float64Array(64 * 64) };
    for (let j = 0; j < 64; j++) G.data[j * 64 + rows[j]] = (rng.int(0, 1) === 0 ? -1 : 1) * e[j];
    const want = referenceSingularValues(materialize(1, rowMajor(F), rowMajor(transposed(G))));
    const { error, index } = relativeErrors(productSvd(F, G, false).values, want);
    worst = Math.max(worst, error / (kappa * EPS));
    assert.ok(error <= 16 * kappa * EPS, `spread ${spread}, κ(X) = ${kappa}: σ${index + 1}/σ1 = ${want[index] / want[0]}, relative error ${error} ${rng.tag}`);
  }
  t.diagnostic(`worst relative error / (κ(X)·ε): ${worst.toFixed(3)}`);
});

test('productSvd: zero components drop out exactly; zero factors give zero values', () => {
  const rng = Rng.fresh();
  const F = toColumnMajor(gaussian(rng, 5, 4));
  const G = toColumnMajor(gaussian(rng, 6, 4));
  G.data.fill(0, 2 * 6, 3 * 6);
  const without = { rows: 5, cols: 3, data: Float64Array.from([...F.data.subarray(0, 10), ...F.data.subarray(15, 20)]) };
  const Gwithout = { rows: 6, cols: 3, data: Float64Array.from([...G.data.subarray(0, 12), ...G.data.subarray(18, 24)]) };
  const want = referenceSingularValues(materialize(1, rowMajor(without), rowMajor(transposed(Gwithout))));
  const got = productSvd(F, G, false).values;
  assert.ok(relativeErrors(got.subarray(0, 3), want.slice(0, 3)).error <= 1e-14, `a zero column of G removes its component ${rng.tag}`);
  assert.ok(got[3] <= 1e-15 * got[0], `rank 3 ${rng.tag}`);
  const zero = productSvd({ rows: 3, cols: 2, data: new Float64Array(6) }, toColumnMajor(gaussian(rng, 4, 2)));
  assert.ok(zero.values.every((x) => x === 0) && zero.U && orthonormalityError(zero.U) <= 4 * EPS, `zero F ${rng.tag}`);
});
