import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { jacobiSvd } from '../../../src/core/linalg/jacobiSvd';
import type { Matrix } from '../../../src/core/linalg/matrix';
import { rowGradedSvd } from '../../../src/core/linalg/preconditionedJacobi';
import { symmetricEigen } from '../../../src/core/linalg/symmetricEigen';
import { gaussian, logSpaced, scaleRows, toColumnMajor } from '../../helpers/factors';
import { asDD, frobenius, orthonormalityError, product, reconstructionError, relativeErrors, shuffled } from '../../helpers/linalgChecks';
import { Rng } from '../../helpers/random';
import { checkRowGraded64 } from '../../helpers/rowGradedCheck';
import { referenceSingularValues } from '../../helpers/referenceSvd';

const EPS = Number.EPSILON;

/** Qᵀ for column-major Q. */
function transposed(Q: Matrix): Matrix {
  const out = new Float64Array(Q.rows * Q.cols);
  for (let j = 0; j < Q.cols; j++) for (let i = 0; i < Q.rows; i++) out[i * Q.cols + j] = Q.data[j * Q.rows + i];
  return { rows: Q.cols, cols: Q.rows, data: out };
}

/** Q·diag(λ)·Qᵀ for a random orthogonal Q (the Jacobi route's U of a Gaussian matrix). */
function planted(rng: Rng, lambda: Float64Array): Float64Array {
  const n = lambda.length;
  const { U } = jacobiSvd(toColumnMajor(gaussian(rng, n, n)));
  if (!U) throw new Error('no vectors');
  const scaled: Matrix = { rows: n, cols: n, data: U.data.map((x, i) => x * lambda[Math.floor(i / n)]) };
  return product(scaled, transposed(U)).data;
}

test('symmetricEigen: C·V = V·Λ to 16·n·ε·‖C‖ with V orthogonal; random, clustered, repeated and zero eigenvalues', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 60; trial++) {
    const n = trial < 4 ? trial + 1 : rng.int(2, 48);
    let c: Float64Array;
    if (trial % 3 === 0) {
      const g = gaussian(rng, n, n).data;
      c = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) c[j * n + i] = g[i * n + j] + g[j * n + i];
    } else {
      // Log-spaced over 1e12, with repeats, a cluster within 1e-13 and zeros: tql2's hard cases.
      const lambda = shuffled(rng, logSpaced(n, 1e12)).map((x, i) => (i % 5 === 1 ? 0 : i % 7 === 2 ? 1 : i % 7 === 3 ? 1 + 1e-13 : trial % 2 === 0 ? -x : x));
      c = planted(rng, lambda);
      for (let j = 0; j < n; j++) for (let i = 0; i < j; i++) c[j * n + i] = c[i * n + j];
    }
    const C: Matrix = { rows: n, cols: n, data: c };
    const before = c.slice();
    const eigen = symmetricEigen(c, n);
    assert.ok(eigen, `converged for n = ${n} ${rng.tag}`);
    assert.deepEqual(c, before, `input unchanged ${rng.tag}`);
    const V: Matrix = { rows: n, cols: n, data: eigen.vectors };
    assert.ok(orthonormalityError(V) <= 16 * n * EPS, `V orthogonal (n = ${n}): ${orthonormalityError(V)} ${rng.tag}`);
    const CV = product(C, V);
    let residual = 0;
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) residual += (CV.data[j * n + i] - V.data[j * n + i] * eigen.values[j]) ** 2;
    assert.ok(Math.sqrt(residual) <= 16 * n * EPS * frobenius(C), `‖CV − VΛ‖ = ${Math.sqrt(residual)} for n = ${n}, ‖C‖ = ${frobenius(C)} ${rng.tag}`);
  }
  assert.deepEqual(symmetricEigen(new Float64Array(0), 0)?.values, new Float64Array(0));
});

test('rowGradedSvd: σ of D·Z to 16·κ(Z)·ε relative against a double-double reference, spreads up to 1e12 in any row order, 64×64 included', (t) => {
  // Demmel & Veselić: one-sided Jacobi keeps every σ of a row-scaled D·Z to O(κ(Z)·ε); the
  // preconditioner W·V₀ is a row-wise relative perturbation, so the bound must still hold.
  const rng = Rng.fresh();
  let worst = 0;
  for (let trial = 0; trial < 14; trial++) {
    const n = trial < 2 ? 64 : rng.int(2, 24);
    const m = trial < 2 ? 64 : n + rng.int(0, 6);
    const spread = [1, 1e4, 1e8, 1e12][trial % 4];
    const d = trial % 3 === 0 ? logSpaced(m, spread) : shuffled(rng, logSpaced(m, spread));
    const Z = gaussian(rng, m, n);
    const X = scaleRows(Z, d);
    const want = referenceSingularValues(asDD(X));
    const z = referenceSingularValues(asDD(Z));
    const kappa = z[0] / z[n - 1];
    const A = toColumnMajor(X);
    const svd = rowGradedSvd(A);
    const { error, index } = relativeErrors(svd.values, want);
    worst = Math.max(worst, error / (kappa * EPS));
    assert.ok(error <= 16 * kappa * EPS, `${m}×${n}, row spread ${spread}, κ(Z) = ${kappa}: σ${index + 1}/σ1 = ${want[index] / want[0]}, relative error ${error} ${rng.tag}`);
    const { U, V, values } = svd;
    assert.ok(U && V && U.cols === n && V.cols === n, `vectors ${rng.tag}`);
    assert.ok(reconstructionError(U, values, V, A) <= 4 * m * EPS * frobenius(A), `‖UΣVᵀ − W‖ ${rng.tag}`);
    assert.ok(orthonormalityError(U) <= 4 * m * EPS && orthonormalityError(V) <= 4 * m * EPS, `orthonormal U, V ${rng.tag}`);
    assert.deepEqual(rowGradedSvd(A, false).values, values, `values alone are the same ${rng.tag}`);
  }
  t.diagnostic(`worst relative error / (κ(Z)·ε): ${worst.toFixed(3)}`);
});

test('rowGradedSvd: 64×64 D·Z at spreads 1e14 to 1e30 converges with U·Σ·Vᵀ = W; every σ to 16·κ(Z)·ε against the double-double reference on two of them', (t) => {
  // Past 1e20 the norms Jacobi carried across sweeps drifted enough to stall one pair until the
  // sweep limit (measured before: 9 to 15 of 30 seeds at each spread from 1e20 to 1e30).
  const rng = Rng.fresh();
  const spreads = Array.from({ length: 17 }, (_v, trial) => 10 ** (14 + trial));
  // 1e22 and the end of the range against the reference.
  const worst = checkRowGraded64(rng, (a) => rowGradedSvd(a), spreads, [8, 16]);
  t.diagnostic(`worst relative error / (κ(Z)·ε): ${worst.toFixed(3)}`);
});

test('rowGradedSvd: singular vectors agree with the unpreconditioned Jacobi route to the perturbation bound κ(Z)·ε / relative gap', (t) => {
  const rng = Rng.fresh();
  let worst = 0;
  for (let trial = 0; trial < 12; trial++) {
    const n = trial < 2 ? 64 : rng.int(2, 32);
    const d = shuffled(rng, logSpaced(n, [1, 1e4, 1e8][trial % 3]));
    const Z = gaussian(rng, n, n);
    const z = referenceSingularValues(asDD(Z));
    const kappa = z[0] / z[n - 1];
    const A = toColumnMajor(scaleRows(Z, d));
    const got = rowGradedSvd(A);
    const want = jacobiSvd(A);
    if (!got.U || !got.V || !want.U || !want.V) throw new Error('no vectors');
    for (let i = 0; i < n; i++) {
      const s = want.values;
      let gap = Infinity;
      for (let j = 0; j < n; j++) if (j !== i) gap = Math.min(gap, Math.abs(s[i] - s[j]) / (s[i] + s[j]));
      const bound = Math.min(1, (64 * n * kappa * EPS) / gap);
      for (const [side, X, Y] of [
        ['U', got.U, want.U],
        ['V', got.V, want.V],
      ] as const) {
        // The chord ‖x ∓ y‖ (sign free) measures small angles to ε; √(1 − cos²) only to √ε.
        let [minus, plus] = [0, 0];
        for (let k = 0; k < n; k++) {
          minus += (X.data[i * n + k] - Y.data[i * n + k]) ** 2;
          plus += (X.data[i * n + k] + Y.data[i * n + k]) ** 2;
        }
        const sine = Math.sqrt(Math.min(minus, plus));
        worst = Math.max(worst, sine / bound);
        assert.ok(sine <= bound, `${side} column ${i + 1} of ${n}: sin∠ = ${sine}, bound ${bound} (κ(Z) = ${kappa}, relative gap ${gap}) ${rng.tag}`);
      }
    }
  }
  t.diagnostic(`worst sin∠ / bound: ${worst.toExponential(2)}`);
});

test('rowGradedSvd: wide, single-column and zero inputs take the plain route with its answers', () => {
  const rng = Rng.fresh();
  for (const [m, n] of [
    [3, 7],
    [5, 1],
    [1, 1],
  ]) {
    const A = toColumnMajor(gaussian(rng, m, n));
    assert.deepEqual(rowGradedSvd(A).values, jacobiSvd(A).values, `${m}×${n} ${rng.tag}`);
  }
  const zero: Matrix = { rows: 4, cols: 3, data: new Float64Array(12) };
  const svd = rowGradedSvd(zero);
  assert.deepEqual(Array.from(svd.values), [0, 0, 0]);
  assert.ok(svd.U && orthonormalityError(svd.U) <= 4 * 4 * EPS && svd.V && orthonormalityError(svd.V) <= 4 * 4 * EPS);
  assert.throws(() => rowGradedSvd({ rows: 2, cols: 2, data: Float64Array.from([1, NaN, 0, 1]) }), RangeError);
});
