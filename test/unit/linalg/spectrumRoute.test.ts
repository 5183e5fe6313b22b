import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { householderR } from '../../../src/core/linalg/householder';
import { singularValues } from '../../../src/core/linalg/jacobiSvd';
import { multiply, multiplyTransposed, type Matrix } from '../../../src/core/linalg/matrix';
import { productSvd } from '../../../src/core/linalg/productSvd';
import { gaussian, gradedPair, inverse, logSpaced, multiplyDense, scaleColumns, toColumnMajor } from '../../helpers/factors';
import { relativeErrors } from '../../helpers/linalgChecks';
import { Rng } from '../../helpers/random';
import { materialize, referenceSingularValues, type Dense } from '../../helpers/referenceSvd';

/**
 * docs/design.md §1 end to end on small sizes, against the double-double SVD of the materialized ΔW.
 * The two helpers below are test-only stand-ins for the pipeline (src/core/analysis owns the
 * real one): thin QR of B and Aᵀ, then the σ of K = s·R_B·M·R_Aᵀ, either by productSvd on the
 * factors (F = s·R_B·M, G = R_A) or by forming K and taking its SVD.
 */
type Core = 'product' | 'formed';

function qrRoute(s: number, B: Dense, A: Dense, M: Dense | undefined, core: Core): Float64Array {
  const RB = householderR(toColumnMajor(B));
  const RA = householderR({ rows: A.cols, cols: A.rows, data: A.data.slice() });
  const left = M ? multiply(RB, toColumnMajor(M)) : RB;
  const F: Matrix = { rows: left.rows, cols: left.cols, data: left.data.map((x) => s * x) };
  return core === 'product' ? productSvd(F, RA, false).values : singularValues(multiplyTransposed(F, RA));
}

/** Σ_j ‖b_j‖·‖a_j‖: the scale of the rounding in ΔW that float64 factors allow (‖ΔW‖ ≤ this). */
function componentScale(B: Dense, A: Dense): number {
  let total = 0;
  for (let j = 0; j < B.cols; j++) {
    let b = 0;
    let a = 0;
    for (let i = 0; i < B.rows; i++) b += B.data[i * B.cols + j] ** 2;
    for (let i = 0; i < A.cols; i++) a += A.data[j * A.cols + i] ** 2;
    total += Math.sqrt(b * a);
  }
  return total;
}

const frobeniusDense = (X: Dense): number => Math.sqrt(X.data.reduce((acc, x) => acc + x * x, 0));

test('well-conditioned random factors (d < r included, with and without M): every σ to 1e-12 relative', (t) => {
  const rng = Rng.fresh();
  let cases = 0;
  let narrow = 0;
  let worst = 0;
  for (let attempt = 0; cases < 30 && attempt < 300; attempt++) {
    const r = rng.int(1, 8);
    const m = rng.int(1, 40);
    const n = rng.int(1, 40);
    const s = 0.1 + 10 * rng.next();
    const B = gaussian(rng, m, r);
    const A = gaussian(rng, r, n);
    const M = attempt % 3 === 0 ? gaussian(rng, r, r) : undefined;
    const want = referenceSingularValues(materialize(s, B, A, M));
    const k = Math.min(m, n, r);
    // "Well conditioned": the smallest σ is within 1e3 of what the factors' sizes allow.
    const allowed = s * frobeniusDense(B) * frobeniusDense(A) * (M ? frobeniusDense(M) : Math.sqrt(r));
    if (want[k - 1] < 1e-3 * allowed) continue;
    cases++;
    if (Math.min(m, n) < r) narrow++;
    for (const core of ['product', 'formed'] as const) {
      const got = qrRoute(s, B, A, M, core);
      assert.equal(got.length, k, `${core}: min(m, n, r) values for ${m}×${n}, r = ${r} ${rng.tag}`);
      const { error, index } = relativeErrors(got, want.slice(0, k));
      worst = Math.max(worst, error);
      assert.ok(error <= 1e-12, `${core}, ${m}×${n}, r = ${r}${M ? ', with M' : ''}: σ${index + 1} relative error ${error} ${rng.tag}`);
    }
  }
  assert.ok(cases >= 30, `only ${cases} well-conditioned draws ${rng.tag}`);
  t.diagnostic(`${cases} cases, ${narrow} with min(m, n) < r; worst relative error ${worst.toExponential(2)}`);
});

test('graded factors (σ spread 1e8), components in any order: every σ ≥ 1e-8·σ1 to 1e-10 relative', (t) => {
  const rng = Rng.fresh();
  const worst: Record<string, number> = {};
  for (let trial = 0; trial < 24; trial++) {
    const order = (['decreasing', 'increasing', 'random'] as const)[trial % 3];
    const r = rng.int(2, 8);
    const m = rng.int(r + 2, 36);
    const n = rng.int(r + 2, 36);
    const s = 0.5 + rng.next();
    const { B, A } = gradedPair(rng, m, n, r, 1e8, order);
    const M = trial % 4 === 3 ? gaussian(rng, r, r) : undefined;
    const want = referenceSingularValues(materialize(s, B, A, M));
    if (!M) assert.ok(want[r - 1] / want[0] < 1e-6, `the case is ill-conditioned ${rng.tag}`);
    const floor = 1e-8 * want[0];
    const kept = want.slice(0, r).filter((x) => x >= floor);
    for (const core of ['product', 'formed'] as const) {
      const { error, index } = relativeErrors(qrRoute(s, B, A, M, core).subarray(0, kept.length), kept);
      const key = `${core} ${order}${M ? ' with M' : ''}`;
      worst[key] = Math.max(worst[key] ?? 0, error);
      // Forming K loses the small σ unless the components come largest-first (see productSvd).
      if (core === 'product' || order === 'decreasing') assert.ok(error <= 1e-10, `${key}: σ${index + 1}/σ1 = ${kept[index] / kept[0]}, relative error ${error} ${rng.tag}`);
    }
  }
  for (const [key, error] of Object.entries(worst)) t.diagnostic(`${key}: worst relative error ${error.toExponential(2)}`);
});

test('factors mixed by an ill-conditioned GL(r) matrix: |σ̂ − σ| ≤ (m + n + r)·ε·Σ_j ‖b_j‖‖a_j‖', (t) => {
  // B·R and R⁻¹·A are float64 data: rounding them already moves ΔW by ~ε·Σ_j‖b_j‖‖a_j‖, which
  // cond(R) makes far larger than ‖ΔW‖. Householder QR is backward stable column by column, so
  // that is also the error bound of the route (first order; the proved constant is O((m+n)·r),
  // Higham Thm 19.4; the observed one is ~2), and relative accuracy ~ ε·Σ_j‖b_j‖‖a_j‖/σ_i.
  const rng = Rng.fresh();
  let worstRatio = 0;
  let worstRelative = 0;
  let mixing = 0;
  for (let trial = 0; trial < 16; trial++) {
    const r = rng.int(2, 8);
    const m = rng.int(r + 2, 30);
    const n = rng.int(r + 2, 30);
    const { B, A } = gradedPair(rng, m, n, r, 1e8, 'random');
    const cond = 10 ** (4 + 2 * rng.next());
    const R = multiplyDense(scaleColumns(gaussian(rng, r, r), logSpaced(r, cond)), gaussian(rng, r, r));
    const BR = multiplyDense(B, R);
    const RinvA = multiplyDense(inverse(R), A);
    const want = referenceSingularValues(materialize(1, BR, RinvA));
    const scale = componentScale(BR, RinvA);
    const bound = (m + n + r) * Number.EPSILON * scale;
    mixing = Math.max(mixing, scale / want[0]);
    for (const core of ['product', 'formed'] as const) {
      const got = qrRoute(1, BR, RinvA, undefined, core);
      for (let i = 0; i < r; i++) {
        const e = Math.abs(got[i] - want[i]);
        assert.ok(e <= bound, `${core} σ${i + 1}: error ${e} over the bound ${bound} ${rng.tag}`);
        worstRatio = Math.max(worstRatio, e / (Number.EPSILON * scale));
        if (want[i] >= 1e-8 * want[0]) worstRelative = Math.max(worstRelative, e / want[i]);
      }
    }
  }
  t.diagnostic(`largest |σ̂ − σ| / (ε·Σ_j‖b_j‖‖a_j‖): ${worstRatio.toFixed(2)}`);
  t.diagnostic(`largest relative error over σ ≥ 1e-8·σ1: ${worstRelative.toExponential(2)}`);
  t.diagnostic(`largest Σ_j‖b_j‖‖a_j‖ / σ1 (what the mixing hides): ${mixing.toExponential(2)}`);
});

/**
 * The Gram route the design forbids: σ² = eig(Lᵀ·(A·Aᵀ)·L) with BᵀB = L·Lᵀ (Cholesky), the
 * Gram matrices, Cholesky and the r×r product in float64. Its eigenvalues are then taken in
 * double-double (exactly, for our purposes), so whatever it loses, the float64 data lost.
 */
function gramRoute(B: Dense, A: Dense): number[] {
  const r = B.cols;
  const G = new Float64Array(r * r);
  const H = new Float64Array(r * r);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < r; j++) {
      for (let k = 0; k < B.rows; k++) G[i * r + j] += B.data[k * r + i] * B.data[k * r + j];
      for (let k = 0; k < A.cols; k++) H[i * r + j] += A.data[i * A.cols + k] * A.data[j * A.cols + k];
    }
  }
  const L = new Float64Array(r * r);
  for (let j = 0; j < r; j++) {
    let d = G[j * r + j];
    for (let k = 0; k < j; k++) d -= L[j * r + k] ** 2;
    if (!(d > 0)) return new Array<number>(r).fill(NaN);
    L[j * r + j] = Math.sqrt(d);
    for (let i = j + 1; i < r; i++) {
      let x = G[i * r + j];
      for (let k = 0; k < j; k++) x -= L[i * r + k] * L[j * r + k];
      L[i * r + j] = x / L[j * r + j];
    }
  }
  const Lt = new Float64Array(r * r);
  for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) Lt[j * r + i] = L[i * r + j];
  const square = (data: Float64Array): Dense => ({ rows: r, cols: r, data });
  const C = multiplyDense(multiplyDense(square(Lt), square(H)), square(L));
  // C is symmetric positive semidefinite: its singular values are its eigenvalues.
  return referenceSingularValues({ rows: r, cols: r, data: Array.from(C.data, (x) => ({ hi: x, lo: 0 })) }).map(Math.sqrt);
}

test('the Gram route loses the smallest σ of graded factors that the QR route keeps to 1e-10', (t) => {
  // Components smallest-first (LoRA components come in no particular order). Largest-first, the
  // grading passes through Cholesky and the Gram route happens to survive: reported below.
  // Over 1500 draws of this case the Gram route's error was 4e-6 at best, 1e-2 in the median.
  const rng = Rng.fresh();
  const r = 6;
  let qrWorst = 0;
  const gramErrors: number[] = [];
  let gramSortedWorst = 0;
  for (let trial = 0; trial < 7; trial++) {
    const { B, A } = gradedPair(rng, 24, 20, r, 1e8, 'increasing');
    const want = referenceSingularValues(materialize(1, B, A));
    const qr = qrRoute(1, B, A, undefined, 'product');
    qrWorst = Math.max(qrWorst, relativeErrors(qr, want.slice(0, r)).error);
    const gramError = Math.abs(gramRoute(B, A)[r - 1] - want[r - 1]) / want[r - 1];
    gramErrors.push(Number.isNaN(gramError) ? Infinity : gramError);
    const sorted = gradedPair(rng, 24, 20, r, 1e8, 'decreasing');
    const sortedWant = referenceSingularValues(materialize(1, sorted.B, sorted.A));
    gramSortedWorst = Math.max(gramSortedWorst, Math.abs(gramRoute(sorted.B, sorted.A)[r - 1] - sortedWant[r - 1]) / sortedWant[r - 1]);
  }
  gramErrors.sort((a, b) => a - b);
  assert.ok(qrWorst <= 1e-10, `QR route: worst relative error ${qrWorst} ${rng.tag}`);
  assert.ok(gramErrors[3] > 1e-6, `the Gram route should lose the smallest σ; its median error was ${gramErrors[3]} ${rng.tag}`);
  assert.ok(gramErrors[0] > 1e-8, `even its best trial should be 100× past the QR bar; it was ${gramErrors[0]} ${rng.tag}`);
  t.diagnostic(
    `QR route worst ${qrWorst.toExponential(2)}; Gram route, smallest σ: ${gramErrors[0].toExponential(2)} best, ${gramErrors[3].toExponential(2)} median (smallest-first), ${gramSortedWorst.toExponential(2)} worst (largest-first)`,
  );
});

test('the Gram route also loses the small σ of GL-mixed factors, far past what the QR route loses', (t) => {
  // cond(R) = 1e4 hides the grading. Over 1000 draws the Gram route's relative error on the
  // smallest σ was 2e-5 at best, 0.46 in the median; the QR route's stays within its bound.
  const rng = Rng.fresh();
  const r = 6;
  const gramErrors: number[] = [];
  let qrWorst = 0;
  for (let trial = 0; trial < 7; trial++) {
    const { B, A } = gradedPair(rng, 24, 20, r, 1e8, 'random');
    const R = multiplyDense(scaleColumns(gaussian(rng, r, r), logSpaced(r, 1e4)), gaussian(rng, r, r));
    const BR = multiplyDense(B, R);
    const RinvA = multiplyDense(inverse(R), A);
    const want = referenceSingularValues(materialize(1, BR, RinvA));
    const qr = qrRoute(1, BR, RinvA, undefined, 'product');
    const bound = (24 + 20 + r) * Number.EPSILON * componentScale(BR, RinvA);
    for (let i = 0; i < r; i++) assert.ok(Math.abs(qr[i] - want[i]) <= bound, `QR σ${i + 1} ${rng.tag}`);
    qrWorst = Math.max(qrWorst, Math.abs(qr[r - 1] - want[r - 1]) / want[r - 1]);
    const gramError = Math.abs(gramRoute(BR, RinvA)[r - 1] - want[r - 1]) / want[r - 1];
    gramErrors.push(Number.isNaN(gramError) ? Infinity : gramError);
  }
  gramErrors.sort((a, b) => a - b);
  assert.ok(gramErrors[3] > 1e-3, `the Gram route should lose the smallest σ; its median error was ${gramErrors[3]} ${rng.tag}`);
  t.diagnostic(
    `smallest σ, relative error: QR route worst ${qrWorst.toExponential(2)}; Gram route ${gramErrors[0].toExponential(2)} best, ${gramErrors[3].toExponential(2)} median`,
  );
});
