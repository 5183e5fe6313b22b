import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { householderQR, householderR } from '../../../src/core/linalg/householder';
import { copyMatrix, frobeniusNorm, multiply, transpose, type Matrix } from '../../../src/core/linalg/matrix';
import { gaussian, logSpaced, scaleColumns, toColumnMajor } from '../../helpers/factors';
import { Rng } from '../../helpers/random';

function difference(X: Matrix, Y: Matrix): number {
  let s = 0;
  for (let i = 0; i < X.data.length; i++) s += (X.data[i] - Y.data[i]) ** 2;
  return Math.sqrt(s);
}

function identityError(Q: Matrix): number {
  const QtQ = multiply(transpose(Q), Q);
  let s = 0;
  for (let j = 0; j < QtQ.cols; j++) for (let i = 0; i < QtQ.rows; i++) s += (QtQ.data[j * QtQ.rows + i] - (i === j ? 1 : 0)) ** 2;
  return Math.sqrt(s);
}

/** Pads k×r R to d×r with zero rows so Q·R can be compared with the input. */
test('Householder QR: Q·R reproduces the input, QᵀQ = I, R upper trapezoidal (tall, square, wide, graded)', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 40; trial++) {
    const d = rng.int(1, 40);
    const r = rng.int(1, 12);
    const dense = trial % 4 === 3 ? scaleColumns(gaussian(rng, d, r), logSpaced(r, 1e10)) : gaussian(rng, d, r);
    const A = toColumnMajor(dense);
    const { Q, R } = householderQR(copyMatrix(A));
    const k = Math.min(d, r);
    assert.equal(Q.rows, d);
    assert.equal(Q.cols, k);
    assert.equal(R.rows, k);
    for (let j = 0; j < r; j++) for (let i = j + 1; i < k; i++) assert.equal(R.data[j * k + i], 0, `R below the diagonal ${rng.tag}`);
    assert.ok(difference(multiply(Q, R), A) <= 1e-14 * frobeniusNorm(A) * Math.sqrt(d), `‖QR − A‖ for ${d}×${r} ${rng.tag}`);
    assert.ok(identityError(Q) <= 1e-14 * Math.sqrt(d), `‖QᵀQ − I‖ for ${d}×${r} ${rng.tag}`);
    // The R-only path computes the same R (same reflectors, same arithmetic).
    assert.deepEqual(householderR(copyMatrix(A)).data, R.data, `R-only equals R ${rng.tag}`);
  }
});

test('Householder QR keeps zero columns and rank deficiency exact', () => {
  const rng = Rng.fresh();
  const X = gaussian(rng, 9, 4);
  for (let i = 0; i < 9; i++) {
    X.data[i * 4 + 1] = 0;
    X.data[i * 4 + 3] = 2 * X.data[i * 4];
  }
  const A = toColumnMajor(X);
  const { Q, R } = householderQR(copyMatrix(A));
  assert.ok(difference(multiply(Q, R), A) <= 1e-14 * frobeniusNorm(A) * 3, rng.tag);
  assert.equal(R.data[1 * 4 + 1], 0, 'a zero column gives a zero diagonal entry');
  const zero = householderR({ rows: 5, cols: 3, data: new Float64Array(15) });
  assert.ok(zero.data.every((x) => x === 0));
  const single = householderR({ rows: 1, cols: 1, data: Float64Array.of(-3) });
  assert.equal(Math.abs(single.data[0]), 3);
});
