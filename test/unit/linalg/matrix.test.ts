import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { frobeniusNorm, identity, maxAbs, multiply, multiplyTransposed, transpose, transposeMultiply, zeros } from '../../../src/core/linalg/matrix';
import { gaussian, toColumnMajor } from '../../helpers/factors';
import { frobenius, product } from '../../helpers/linalgChecks';
import { Rng } from '../../helpers/random';

const EPS = Number.EPSILON;

function assertClose(got: Float64Array, want: Float64Array, tolerance: number, message: string): void {
  assert.equal(got.length, want.length, message);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= tolerance, `${message}: entry ${i}`);
}

test('transpose, A·B, A·Bᵀ and Aᵀ·B agree with a plain triple loop', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 20; trial++) {
    const [m, l, n] = [rng.int(1, 9), rng.int(1, 9), rng.int(1, 9)];
    const A = toColumnMajor(gaussian(rng, m, l));
    const B = toColumnMajor(gaussian(rng, l, n));
    const tolerance = 4 * l * EPS * frobenius(A) * frobenius(B);
    const want = product(A, B);
    assertClose(multiply(A, B).data, want.data, tolerance, `A·B ${rng.tag}`);
    const Bt = transpose(B);
    assert.deepEqual([Bt.rows, Bt.cols], [n, l]);
    assert.deepEqual(transpose(Bt).data, B.data, `transpose twice ${rng.tag}`);
    assertClose(multiplyTransposed(A, Bt).data, want.data, tolerance, `A·(Bᵀ)ᵀ ${rng.tag}`);
    assertClose(transposeMultiply(transpose(A), B).data, want.data, tolerance, `(Aᵀ)ᵀ·B ${rng.tag}`);
  }
  const A = toColumnMajor(gaussian(rng, 2, 3));
  assert.throws(() => multiply(A, A));
  assert.throws(() => multiplyTransposed(A, toColumnMajor(gaussian(rng, 2, 2))));
  assert.throws(() => transposeMultiply(A, toColumnMajor(gaussian(rng, 3, 3))));
});

test('zeros and identity', () => {
  const rng = Rng.fresh();
  assert.ok(zeros(3, 2).data.every((x) => x === 0));
  const I = identity(4);
  const A = toColumnMajor(gaussian(rng, 4, 3));
  assert.deepEqual(multiply(I, A).data, A.data, rng.tag);
});

test('Frobenius norm: plain when safe, scaled near under- and overflow; maxAbs sees NaN', () => {
  const rng = Rng.fresh();
  const A = toColumnMajor(gaussian(rng, 6, 5));
  const base = frobeniusNorm(A);
  assert.ok(Math.abs(base - frobenius(A)) <= 4 * EPS * base, rng.tag);
  for (const factor of [1e-170, 1e-300, 2 ** -1060, 1e170, 1e300]) {
    const scaled = frobeniusNorm({ rows: 6, cols: 5, data: A.data.map((x) => x * factor) });
    const tolerance = factor < 1e-307 ? 1e-3 : 8 * EPS;
    assert.ok(Math.abs(scaled / factor - base) <= tolerance * base, `×${factor}: ${scaled} ${rng.tag}`);
  }
  assert.ok(Math.abs(frobeniusNorm({ rows: 2, cols: 1, data: Float64Array.of(3e200, 4e200) }) - 5e200) <= 4 * EPS * 5e200);
  assert.equal(frobeniusNorm(zeros(3, 3)), 0);
  assert.equal(frobeniusNorm({ rows: 1, cols: 2, data: Float64Array.of(1, Infinity) }), Infinity);
  assert.ok(Number.isNaN(maxAbs({ rows: 1, cols: 3, data: Float64Array.of(1, NaN, 2) })));
  assert.ok(Number.isNaN(frobeniusNorm({ rows: 1, cols: 3, data: Float64Array.of(1, NaN, 2) })));
  assert.equal(maxAbs({ rows: 1, cols: 3, data: Float64Array.of(1, -7, 2) }), 7);
});
