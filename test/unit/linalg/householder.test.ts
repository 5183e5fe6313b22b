import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { applyQ, applyQt, householderFactor, householderQR, householderR } from '../../../src/core/linalg/householder';
import type { Matrix } from '../../../src/core/linalg/matrix';
import { gaussian, logSpaced, scaleColumns, toColumnMajor } from '../../helpers/factors';
import { columnMajorAsDD, frobenius, orthonormalityError, product, shuffled } from '../../helpers/linalgChecks';
import { Rng } from '../../helpers/random';
import { referenceSingularValues } from '../../helpers/referenceSvd';

const EPS = Number.EPSILON;

/** A copy the in-place routines may overwrite. */
const copy = (A: Matrix): Matrix => ({ rows: A.rows, cols: A.cols, data: A.data.slice() });

/** max_j ‖(Q·R − A)_j‖ / ‖A_j‖ (0/0 = 0): Householder QR's column-by-column backward error. */
function columnwiseError(Q: Matrix, R: Matrix, A: Matrix): number {
  const QR = product(Q, R);
  let worst = 0;
  for (let j = 0; j < A.cols; j++) {
    let diff = 0;
    let norm = 0;
    for (let i = 0; i < A.rows; i++) {
      diff += (QR.data[j * A.rows + i] - A.data[j * A.rows + i]) ** 2;
      norm += A.data[j * A.rows + i] ** 2;
    }
    if (diff > 0) worst = Math.max(worst, Math.sqrt(diff / norm));
  }
  return worst;
}

function assertUpperTrapezoidal(R: Matrix, tag: string): void {
  for (let j = 0; j < R.cols; j++) for (let i = j + 1; i < R.rows; i++) assert.equal(R.data[j * R.rows + i], 0, `R(${i}, ${j}) below the diagonal ${tag}`);
}

test('Householder QR: Q·R = A column by column, QᵀQ = I, R upper trapezoidal, R-only identical (d ≥ r and d < r)', () => {
  const rng = Rng.fresh();
  // r up to 13 covers the paired reflectors, the four-column tiles and every remainder.
  for (let trial = 0; trial < 80; trial++) {
    const d = rng.int(1, 40);
    const r = rng.int(1, 13);
    const A = toColumnMajor(gaussian(rng, d, r));
    const { Q, R } = householderQR(A);
    const k = Math.min(d, r);
    assert.deepEqual([Q.rows, Q.cols, R.rows, R.cols], [d, k, k, r], `shapes for ${d}×${r} ${rng.tag}`);
    assertUpperTrapezoidal(R, rng.tag);
    // Observed worst over 20 000 draws: 1.0·(d + r)·ε and 0.8·(d + r)·ε.
    assert.ok(columnwiseError(Q, R, A) <= 4 * (d + r) * EPS, `‖(QR − A)_j‖/‖A_j‖ for ${d}×${r} ${rng.tag}`);
    assert.ok(orthonormalityError(Q) <= 4 * (d + r) * EPS, `QᵀQ = I for ${d}×${r} ${rng.tag}`);
    assert.deepEqual(householderR(copy(A)).data, R.data, `R-only equals R of the Q variant, bit for bit ${rng.tag}`);
  }
});

test('columns graded over 1e15 in any order keep their own relative accuracy, and σ(R) = σ(A)', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 12; trial++) {
    const r = rng.int(2, 10);
    const d = rng.int(r, 30);
    const A = toColumnMajor(scaleColumns(gaussian(rng, d, r), shuffled(rng, logSpaced(r, 1e15))));
    const { Q, R } = householderQR(A);
    assert.ok(columnwiseError(Q, R, A) <= 4 * (d + r) * EPS, `graded columnwise backward error ${rng.tag}`);
    // Column-wise backward stability is what carries the small σ: check them in double-double.
    const want = referenceSingularValues(columnMajorAsDD(A));
    const got = referenceSingularValues(columnMajorAsDD(R));
    for (let i = 0; i < r; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-13 * want[i], `σ${i + 1}/σ1 = ${want[i] / want[0]}: σ(R) vs σ(A) ${rng.tag}`);
  }
});

test('large factors take the same path: 3000×24 and 700×64', () => {
  const rng = Rng.fresh();
  for (const [d, r] of [
    [3000, 24],
    [700, 64],
  ]) {
    const A = toColumnMajor(gaussian(rng, d, r));
    const { Q, R } = householderQR(A);
    assert.ok(columnwiseError(Q, R, A) <= 2 * Math.sqrt(d) * r * EPS, `${d}×${r}: ${columnwiseError(Q, R, A)} ${rng.tag}`);
    assert.ok(orthonormalityError(Q) <= 2 * Math.sqrt(d) * r * EPS, `${d}×${r} orthonormal ${rng.tag}`);
  }
});

test('edge cases: r = 1, d = 1, 2×4, zero columns anywhere, the zero matrix', () => {
  const rng = Rng.fresh();
  const v = gaussian(rng, 9, 1);
  const one = householderR(toColumnMajor(v));
  assert.equal(one.rows, 1);
  assert.ok(Math.abs(Math.abs(one.data[0]) - frobenius(toColumnMajor(v))) <= 2 * EPS * Math.abs(one.data[0]), `r = 1 ${rng.tag}`);
  const row = toColumnMajor(gaussian(rng, 1, 5));
  assert.deepEqual(householderR(copy(row)).data, row.data, `d = 1: R is the row itself (no reflector) ${rng.tag}`);
  const wide = toColumnMajor(gaussian(rng, 2, 4));
  const w = householderQR(wide);
  assert.deepEqual([w.R.rows, w.R.cols], [2, 4]);
  assert.ok(columnwiseError(w.Q, w.R, wide) <= 24 * EPS && orthonormalityError(w.Q) <= 24 * EPS, `2×4 ${rng.tag}`);
  for (const zeroAt of [0, 2, 5]) {
    const A = toColumnMajor(gaussian(rng, 8, 6));
    A.data.fill(0, zeroAt * 8, zeroAt * 8 + 8);
    const { Q, R } = householderQR(A);
    for (let i = 0; i < 6; i++) assert.equal(R.data[zeroAt * 6 + i], 0, `a zero column stays exactly zero in R, diagonal included ${rng.tag}`);
    assert.ok(columnwiseError(Q, R, A) <= 56 * EPS && orthonormalityError(Q) <= 56 * EPS, `zero column ${zeroAt} ${rng.tag}`);
  }
  const zero = householderQR({ rows: 5, cols: 3, data: new Float64Array(15) });
  assert.ok(
    zero.R.data.every((x) => x === 0),
    'R of the zero matrix is zero',
  );
  assert.equal(orthonormalityError(zero.Q), 0, 'Q of the zero matrix is exactly orthonormal');
});

test('entries near underflow and overflow: R scales with the input', () => {
  const rng = Rng.fresh();
  const A = toColumnMajor(gaussian(rng, 12, 5));
  const base = householderR(copy(A));
  for (const factor of [2 ** -1060, 1e-300, 1e-160, 1e160, 1e300]) {
    const R = householderR({ rows: 12, cols: 5, data: A.data.map((x) => x * factor) });
    let worst = 0;
    for (let i = 0; i < R.data.length; i++) worst = Math.max(worst, Math.abs(R.data[i] / factor - base.data[i]));
    // Subnormal inputs (2^-1060) keep only ~14 bits of each entry.
    const tolerance = factor < 1e-300 ? 1e-3 : 1e-14;
    assert.ok(worst <= tolerance * frobenius(base), `×${factor}: ${worst} ${rng.tag}`);
  }
});

test('applyQ and applyQt: Q·X and Qᵀ·Y without forming Q agree with the explicit Q', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 20; trial++) {
    const d = rng.int(1, 30);
    const r = rng.int(1, 11);
    const k = Math.min(d, r);
    const A = toColumnMajor(gaussian(rng, d, r));
    const { Q } = householderQR(A);
    const f = householderFactor(copy(A));
    const c = rng.int(1, 7);
    const X = toColumnMajor(gaussian(rng, k, c));
    const QX = applyQ(f, X);
    const want = product(Q, X);
    for (let i = 0; i < want.data.length; i++) assert.ok(Math.abs(QX.data[i] - want.data[i]) <= 8 * d * EPS * frobenius(X), `Q·X ${rng.tag}`);
    const back = applyQt(f, QX);
    for (let i = 0; i < X.data.length; i++) assert.ok(Math.abs(back.data[i] - X.data[i]) <= 8 * d * EPS * frobenius(X), `Qᵀ·Q·X = X ${rng.tag}`);
    // Qᵀ·A = R.
    const QtA = applyQt(f, A);
    const R = householderR(copy(A));
    for (let i = 0; i < R.data.length; i++) assert.ok(Math.abs(QtA.data[i] - R.data[i]) <= 8 * d * EPS * frobenius(A), `Qᵀ·A = R ${rng.tag}`);
  }
  const f = householderFactor(toColumnMajor(gaussian(rng, 6, 3)));
  assert.throws(() => applyQ(f, { rows: 4, cols: 1, data: new Float64Array(4) }), RangeError);
  assert.throws(() => applyQt(f, { rows: 5, cols: 1, data: new Float64Array(5) }), RangeError);
});
