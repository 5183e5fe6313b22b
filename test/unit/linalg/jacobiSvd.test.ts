import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { jacobiSvd, singularValues } from '../../../src/core/linalg/jacobiSvd';
import { frobeniusNorm, multiply, transpose, type Matrix } from '../../../src/core/linalg/matrix';
import { gaussian, logSpaced, scaleColumns, scaleRows, toColumnMajor, worstRelativeError } from '../../helpers/factors';
import { Rng } from '../../helpers/random';
import { dd, div, sub } from '../../helpers/doubleDouble';
import { ddMultiply, referenceSingularValues, type DDMatrix, type Dense } from '../../helpers/referenceSvd';

const asDD = (X: Dense) => ({ rows: X.rows, cols: X.cols, data: Array.from(X.data, (x) => ({ hi: x, lo: 0 })) });

function reconstruct(U: Matrix, values: Float64Array, V: Matrix): Matrix {
  const US = { rows: U.rows, cols: U.cols, data: U.data.slice() };
  for (let j = 0; j < U.cols; j++) for (let i = 0; i < U.rows; i++) US.data[j * U.rows + i] *= values[j];
  return multiply(US, transpose(V));
}

function orthonormalityError(X: Matrix): number {
  const G = multiply(transpose(X), X);
  let s = 0;
  for (let j = 0; j < G.cols; j++) for (let i = 0; i < G.rows; i++) s += (G.data[j * G.rows + i] - (i === j ? 1 : 0)) ** 2;
  return Math.sqrt(s);
}

test('Jacobi SVD: U·Σ·Vᵀ reproduces the input, U and V orthonormal, values descending (tall and wide)', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 30; trial++) {
    const rows = rng.int(1, 24);
    const cols = rng.int(1, 24);
    const A = toColumnMajor(gaussian(rng, rows, cols));
    const { values, U, V } = jacobiSvd(A);
    assert.ok(U && V);
    const k = Math.min(rows, cols);
    assert.equal(values.length, k);
    for (let i = 1; i < k; i++) assert.ok(values[i] <= values[i - 1], `descending ${rng.tag}`);
    const back = reconstruct(U, values, V);
    let diff = 0;
    for (let i = 0; i < back.data.length; i++) diff += (back.data[i] - A.data[i]) ** 2;
    assert.ok(Math.sqrt(diff) <= 1e-14 * frobeniusNorm(A) * Math.max(rows, cols), `‖UΣVᵀ − A‖ ${rows}×${cols} ${rng.tag}`);
    assert.ok(orthonormalityError(U) <= 1e-13 && orthonormalityError(V) <= 1e-13, `orthonormal factors ${rng.tag}`);
  }
});

test('Jacobi SVD resolves graded matrices to high relative accuracy (spread 1e12)', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 12; trial++) {
    const n = rng.int(2, 10);
    const m = rng.int(n, 16);
    // G·D with G Gaussian: one-sided Jacobi is accurate relative to each σ here.
    const X = scaleColumns(gaussian(rng, m, n), logSpaced(n, 1e12));
    const got = singularValues(toColumnMajor(X));
    const want = referenceSingularValues(asDD(X));
    const { error, index } = worstRelativeError(got, want, 0);
    assert.ok(error <= 1e-12, `σ${index + 1}/σ1 = ${want[index] / want[0]}: relative error ${error} ${rng.tag}`);
    const Y = scaleRows(gaussian(rng, n, m), logSpaced(n, 1e12));
    assert.ok(worstRelativeError(singularValues(toColumnMajor(Y)), referenceSingularValues(asDD(Y)), 0).error <= 1e-12, `row-graded ${rng.tag}`);
  }
});

test('Jacobi SVD edge cases: zero, rank-deficient, 1×1, empty', () => {
  assert.deepEqual(Array.from(singularValues({ rows: 3, cols: 2, data: new Float64Array(6) })), [0, 0]);
  const zero = jacobiSvd({ rows: 3, cols: 2, data: new Float64Array(6) });
  assert.ok(zero.U && orthonormalityError(zero.U) <= 1e-15, 'U is completed to an orthonormal basis');
  assert.deepEqual(Array.from(singularValues({ rows: 1, cols: 1, data: Float64Array.of(-2.5) })), [2.5]);
  assert.equal(singularValues({ rows: 4, cols: 0, data: new Float64Array(0) }).length, 0);
  // Rank one: u·vᵀ with ‖u‖ = 3, ‖v‖ = 2.
  const u = [1, 2, 2];
  const v = [2, 0];
  const R1 = { rows: 3, cols: 2, data: Float64Array.from({ length: 6 }, (_, k) => u[k % 3] * v[Math.floor(k / 3)]) };
  const s = singularValues(R1);
  assert.ok(Math.abs(s[0] - 6) <= 1e-15 * 6 && s[1] <= 1e-15);
  assert.throws(() => singularValues({ rows: 1, cols: 2, data: Float64Array.of(1, NaN) }), RangeError);
});

test('the double-double reference itself recovers planted singular values to ~1e-25', () => {
  const rng = Rng.fresh();
  // A = H1·diag(σ)·H2 with Householder reflectors H = I − 2·v·vᵀ/(vᵀv) of integer vectors,
  // built in double-double: orthogonal to ~1e-32, so σ(A) = σ to that accuracy.
  const n = 7;
  const sigma = [1e6, 3, 1, 1e-3, 1e-6, 1e-9, 1e-10];
  const reflector = (): DDMatrix => {
    const v = Array.from({ length: n }, () => rng.int(-9, 9) || 1);
    const vv = v.reduce((a, x) => a + x * x, 0);
    const data = [];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) data.push(sub(dd(i === j ? 1 : 0), div(dd(2 * v[i] * v[j]), dd(vv))));
    return { rows: n, cols: n, data };
  };
  const D: DDMatrix = { rows: n, cols: n, data: Array.from({ length: n * n }, (_, k) => dd(k % (n + 1) === 0 ? sigma[k / (n + 1)] : 0)) };
  const A = ddMultiply(ddMultiply(reflector(), D), reflector());
  const got = referenceSingularValues(A);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(got[i] - sigma[i]) <= 1e-25 * sigma[i] + 1e-30 * sigma[0], `σ${i + 1}: ${got[i]} ${rng.tag}`);
});
