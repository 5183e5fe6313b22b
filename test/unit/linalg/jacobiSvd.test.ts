import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { denseSvd } from '../../../src/core/linalg/denseSvd';
import { jacobiSvd, singularValues } from '../../../src/core/linalg/jacobiSvd';
import type { Matrix } from '../../../src/core/linalg/matrix';
import { orthogonalizeColumns } from '../../../src/core/linalg/jacobiRotations';
import { SvdConvergenceError, type Svd } from '../../../src/core/linalg/svd';
import { gaussian, logSpaced, multiplyDense, scaleColumns, scaleRows, toColumnMajor } from '../../helpers/factors';
import type { Dense } from '../../helpers/referenceSvd';
import { asDD, frobenius, orthonormalityError, reconstructionError, relativeErrors, shuffled } from '../../helpers/linalgChecks';
import { plantedBySignedPermutations } from '../../helpers/planted';
import { Rng } from '../../helpers/random';
import { checkRowGraded64 } from '../../helpers/rowGradedCheck';
import { referenceSingularValues } from '../../helpers/referenceSvd';

const EPS = Number.EPSILON;
const routes: readonly [string, (a: Matrix, vectors?: boolean) => Svd][] = [
  ['jacobiSvd', jacobiSvd],
  ['denseSvd', denseSvd],
];

/** Every property of a thin SVD of `A`; tolerances are c·ε·(size) with c stated here: 4. */
function assertSvd(name: string, A: Matrix, svd: Svd, tag: string): void {
  const k = Math.min(A.rows, A.cols);
  const { values, U, V } = svd;
  assert.ok(U && V, `${name} returns vectors ${tag}`);
  assert.equal(values.length, k, `${name}: ${k} values ${tag}`);
  assert.deepEqual([U.rows, U.cols, V.rows, V.cols], [A.rows, k, A.cols, k], `${name}: U, V shapes ${tag}`);
  for (let i = 1; i < k; i++) assert.ok(values[i] <= values[i - 1], `${name}: descending ${tag}`);
  for (const x of values) assert.ok(x >= 0, `${name}: nonnegative ${tag}`);
  const size = Math.max(A.rows, A.cols);
  assert.ok(reconstructionError(U, values, V, A) <= 4 * size * EPS * frobenius(A), `${name}: ‖UΣVᵀ − A‖ for ${A.rows}×${A.cols} ${tag}`);
  assert.ok(orthonormalityError(U) <= 4 * size * EPS && orthonormalityError(V) <= 4 * size * EPS, `${name}: orthonormal U, V for ${A.rows}×${A.cols} ${tag}`);
}

test('Jacobi and dense SVD: U·Σ·Vᵀ = A, orthonormal U and V, descending values (tall, wide, square)', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 40; trial++) {
    const A = toColumnMajor(gaussian(rng, rng.int(1, 30), rng.int(1, 30)));
    for (const [name, svd] of routes) assertSvd(name, A, svd(A), rng.tag);
    const values = jacobiSvd(A, false).values;
    assert.equal(jacobiSvd(A, false).U, undefined, `no vectors unless asked ${rng.tag}`);
    assert.deepEqual(values, jacobiSvd(A).values, `values do not depend on whether vectors are asked for ${rng.tag}`);
  }
  const big = toColumnMajor(gaussian(rng, 120, 90));
  for (const [name, svd] of routes) assertSvd(name, big, svd(big), rng.tag);
});

test('graded matrices: σ of Z·D and D·Z to 16·κ(Z)·ε relative (spread 1e12, any order); D1·Z·D2 to 1e-9', (t) => {
  // Demmel & Veselić: for one-sided scaling the relative error of every σ is O(κ(Z)·ε), with κ
  // the condition number of the unscaled Z; observed ≤ 1.07·κ(Z)·ε over 1200 solves. Scaling on
  // both sides is outside that theory; normwise accuracy would give ~1e-4 there, so 1e-9 still
  // tells relative accuracy from normwise (observed: ≤ 3e-11).
  const rng = Rng.fresh();
  const worst: Record<string, number> = {};
  for (let trial = 0; trial < 16; trial++) {
    const n = rng.int(2, 12);
    const m = rng.int(n, 18);
    const d = trial % 2 === 0 ? logSpaced(n, 1e12) : shuffled(rng, logSpaced(n, 1e12));
    const Zc = gaussian(rng, m, n);
    const Zr = gaussian(rng, n, m);
    const Zb = gaussian(rng, n, n);
    const cases: [string, Dense, Dense | null][] = [
      ['columns', scaleColumns(Zc, d), Zc],
      ['rows', scaleRows(Zr, d), Zr],
      ['both', scaleRows(scaleColumns(Zb, shuffled(rng, logSpaced(n, 1e6))), shuffled(rng, logSpaced(n, 1e6))), null],
    ];
    for (const [kind, X, Z] of cases) {
      const want = referenceSingularValues(asDD(X));
      const zValues = Z ? referenceSingularValues(asDD(Z)) : [];
      const kappa = Z ? zValues[0] / zValues[n - 1] : NaN;
      const tolerance = Z ? 16 * kappa * EPS : 1e-9;
      for (const [name, svd] of routes) {
        const { error, index } = relativeErrors(svd(toColumnMajor(X), false).values, want);
        worst[kind] = Math.max(worst[kind] ?? 0, Z ? error / (kappa * EPS) : error);
        assert.ok(
          error <= tolerance,
          `${name}, ${kind}-graded ${X.rows}×${X.cols} (κ(Z) = ${kappa}): σ${index + 1}/σ1 = ${want[index] / want[0]}, relative error ${error} ${rng.tag}`,
        );
      }
    }
  }
  t.diagnostic(`worst relative error / (κ(Z)·ε): columns ${worst.columns.toFixed(2)}, rows ${worst.rows.toFixed(2)}; both sides: ${worst.both.toExponential(2)}`);
});

test('rank-deficient matrices: every σ, the zero ones included, within 8·max(m, n)·ε·σ1', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 12; trial++) {
    const q = rng.int(1, 5);
    const m = rng.int(q + 1, 14);
    const n = rng.int(q + 1, 14);
    const X = multiplyDense(gaussian(rng, m, q), gaussian(rng, q, n));
    const want = referenceSingularValues(asDD(X));
    for (const [name, svd] of routes) {
      const A = toColumnMajor(X);
      const result = svd(A);
      assertSvd(name, A, result, rng.tag);
      // Rank-deficient matrices are not graded: normwise accuracy, ε·σ1 times a modest factor.
      for (let i = 0; i < result.values.length; i++)
        assert.ok(Math.abs(result.values[i] - want[i]) <= 8 * Math.max(m, n) * EPS * want[0], `${name}: σ${i + 1} = ${result.values[i]}, reference ${want[i]} ${rng.tag}`);
    }
  }
});

test('exact inputs give exact answers: signed permutations, zero columns, the zero matrix', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 12; trial++) {
    const m = rng.int(1, 9);
    const n = rng.int(1, 9);
    const k = Math.min(m, n);
    // Distinct powers of two, some exact zeros: σ must come back bit for bit.
    const sigma = Array.from({ length: k }, (_, i) => (i % 3 === 2 ? 0 : 2 ** rng.int(-60, 60)));
    const X = plantedBySignedPermutations(rng, m, n, sigma);
    const A = toColumnMajor(X);
    const want = sigma.slice().sort((a, b) => b - a);
    for (const [name, svd] of routes) {
      const result = svd(A);
      assert.deepEqual(Array.from(result.values), want, `${name}: ${m}×${n} ${rng.tag}`);
      assertSvd(name, A, result, rng.tag);
    }
  }
  for (const [m, n] of [
    [3, 2],
    [2, 5],
    [1, 1],
    [6, 6],
  ]) {
    const Z = { rows: m, cols: n, data: new Float64Array(m * n) };
    for (const [name, svd] of routes) {
      const result = svd(Z);
      assert.ok(
        result.values.every((x) => x === 0),
        `${name}: zero matrix`,
      );
      assertSvd(name, Z, result, rng.tag);
    }
  }
});

test('edge shapes: 1×1, single rows and columns, empty matrices', () => {
  const rng = Rng.fresh();
  const x = -2.5 - rng.next();
  for (const [name, svd] of routes) {
    const one = svd({ rows: 1, cols: 1, data: Float64Array.of(x) });
    assert.deepEqual(Array.from(one.values), [-x], `${name}: 1×1 ${rng.tag}`);
    assert.equal(one.U!.data[0] * one.values[0] * one.V!.data[0], x, `${name}: 1×1 signs ${rng.tag}`);
    for (const [m, n] of [
      [1, 7],
      [7, 1],
    ]) {
      const v = toColumnMajor(gaussian(rng, m, n));
      const result = svd(v);
      assert.ok(Math.abs(result.values[0] - frobenius(v)) <= 2 * EPS * frobenius(v), `${name}: ${m}×${n} ${rng.tag}`);
      assertSvd(name, v, result, rng.tag);
    }
    for (const [m, n] of [
      [0, 0],
      [4, 0],
      [0, 3],
    ]) {
      const result = svd({ rows: m, cols: n, data: new Float64Array(0) });
      assert.equal(result.values.length, 0, `${name}: ${m}×${n}`);
      assert.deepEqual([result.U!.rows, result.U!.cols, result.V!.rows, result.V!.cols], [m, 0, n, 0], `${name}: ${m}×${n} shapes`);
    }
  }
});

test('scale: powers of two scale σ exactly; entries near under- and overflow are handled', () => {
  const rng = Rng.fresh();
  const A = toColumnMajor(gaussian(rng, 7, 5));
  for (const [name, svd] of routes) {
    const base = svd(A, false).values;
    for (const p of [-1000, -300, 300, 1000]) {
      const scaled = svd({ rows: 7, cols: 5, data: A.data.map((x) => x * 2 ** p) }, false).values;
      assert.deepEqual(
        Array.from(scaled),
        Array.from(base, (x) => x * 2 ** p),
        `${name}: ×2^${p} ${rng.tag}`,
      );
    }
    const tiny = svd({ rows: 7, cols: 5, data: A.data.map((x) => x * 1e-305) }, false).values;
    assert.ok(
      relativeErrors(
        tiny,
        base.map((x) => x * 1e-305),
      ).error <= 1e-14,
      `${name}: ×1e-305 ${rng.tag}`,
    );
  }
});

test('non-finite input is refused; singularValues is the dense route', () => {
  const rng = Rng.fresh();
  for (const bad of [NaN, Infinity, -Infinity]) {
    for (const [name, svd] of routes) assert.throws(() => svd({ rows: 1, cols: 2, data: Float64Array.of(1, bad) }), RangeError, `${name} refuses ${bad}`);
    assert.throws(() => singularValues({ rows: 2, cols: 1, data: Float64Array.of(bad, 1) }), RangeError);
  }
  const A = toColumnMajor(gaussian(rng, 9, 6));
  assert.deepEqual(singularValues(A), denseSvd(A, false).values, rng.tag);
});

test('the Jacobi iteration converges quadratically and stops at |cos| ≤ m·ε for every pair', () => {
  const rng = Rng.fresh();
  for (const n of [2, 9, 40, 64]) {
    const m = n + rng.int(0, 8);
    const g = gaussian(rng, m, n).data;
    const sweeps = orthogonalizeColumns(g, m, n, null);
    assert.ok(sweeps <= 12, `${m}×${n}: ${sweeps} sweeps ${rng.tag}`);
    const G = { rows: m, cols: n, data: g };
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        let [pp, qq, pq] = [0, 0, 0];
        for (let i = 0; i < m; i++) {
          pp += G.data[p * m + i] ** 2;
          qq += G.data[q * m + i] ** 2;
          pq += G.data[p * m + i] * G.data[q * m + i];
        }
        assert.ok(Math.abs(pq) <= 2 * m * EPS * Math.sqrt(pp * qq), `pair (${p}, ${q}) of ${m}×${n} ${rng.tag}`);
      }
    }
  }
  assert.equal(new SvdConvergenceError('x').name, 'SvdConvergenceError');
});

test('64×64 row-graded D·Z at spreads 1e12 to 1e30: converges with U·Σ·Vᵀ = A; every σ to 16·κ(Z)·ε against the double-double reference on two of them', (t) => {
  // Row grading is the hard case for one-sided Jacobi on columns (12–16 sweeps measured): norms
  // carried across sweeps drifted, one pair then converged only linearly and the sweep limit was
  // reached (measured before: 22 to 27 of 30 seeds at each spread from 1e12 to 1e30).
  const rng = Rng.fresh();
  const spreads = Array.from({ length: 10 }, (_v, trial) => 10 ** (12 + 2 * trial));
  // The two ends of the range against the reference.
  const worst = checkRowGraded64(rng, (a) => jacobiSvd(a), spreads, [0, 9]);
  t.diagnostic(`worst relative error / (κ(Z)·ε): ${worst.toFixed(3)}`);
});
