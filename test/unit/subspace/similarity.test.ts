import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { compareBases, type BasisComparison } from '../../../src/core/subspace/similarity';
import { gaussian, logSpaced, multiplyDense, transposeDense } from '../../helpers/factors';
import { add, dd, mul, sqrt, sub, toNumber } from '../../helpers/doubleDouble';
import { shuffled } from '../../helpers/linalgChecks';
import { Rng } from '../../helpers/random';
import { materialize, type DDMatrix, type Dense } from '../../helpers/referenceSvd';
import { basisOfRaw, columns, moduleFromBasis, orthonormal, reparametrize, rotateTowards, type RawModule } from './plantedModules';

/** ⟨W1, W2⟩ and ‖W1 − W2‖ of materialized double-double matrices: the reference. */
function reference(W1: DDMatrix, W2: DDMatrix): { inner: number; n1: number; n2: number; distance: number } {
  let inner = dd(0);
  let s1 = dd(0);
  let s2 = dd(0);
  let diff = dd(0);
  for (let i = 0; i < W1.data.length; i++) {
    inner = add(inner, mul(W1.data[i], W2.data[i]));
    s1 = add(s1, mul(W1.data[i], W1.data[i]));
    s2 = add(s2, mul(W2.data[i], W2.data[i]));
    const d = sub(W1.data[i], W2.data[i]);
    diff = add(diff, mul(d, d));
  }
  return { inner: toNumber(inner), n1: toNumber(sqrt(s1)), n2: toNumber(sqrt(s2)), distance: toNumber(sqrt(diff)) };
}

const materialized = (f: RawModule) => materialize(f.s, f.B, f.A, f.M);

/**
 * Two modules of the same shape that share part of their column and row spaces: X2's columns
 * are X1's turned by planted angles towards an orthogonal complement, σ spread log-uniformly
 * and shuffled so no gap is tiny.
 */
function relatedPair(rng: Rng, m: number, n: number, r1: number, r2: number, mixer: boolean): [RawModule, RawModule] {
  const r = Math.max(r1, r2);
  if (m < 2 * r || n < 2 * r) throw new RangeError(`planting needs m, n ≥ 2·r (got ${m}×${n}, r ${r})`);
  const U = orthonormal(rng, m, 2 * r);
  const V = orthonormal(rng, n, 2 * r);
  const thetaX = Float64Array.from({ length: r }, () => (Math.PI / 2) * rng.next());
  const thetaY = Float64Array.from({ length: r }, () => (Math.PI / 2) * rng.next());
  const X2 = rotateTowards(columns(U, 0, r), columns(U, r, 2 * r), thetaX);
  const Y2 = rotateTowards(columns(V, 0, r), columns(V, r, 2 * r), thetaY);
  const s1 = shuffled(rng, logSpaced(r1, 1e3));
  const s2 = shuffled(rng, logSpaced(r2, 1e3));
  const a = moduleFromBasis(rng, columns(U, 0, r1), s1, columns(V, 0, r1), 0.5 + rng.next());
  const b = moduleFromBasis(rng, columns(X2, 0, r2), s2, columns(Y2, 0, r2), -(0.5 + rng.next()));
  if (!mixer) return [a, b];
  // MoSLoRA: a mixer M between B and A, with ΔW kept as planted by absorbing M⁻¹ into B.
  return [withMixer(rng, a), withMixer(rng, b)];
}

function withMixer(rng: Rng, f: RawModule): RawModule {
  const r = f.B.cols;
  const M = gaussian(rng, r, r);
  for (let i = 0; i < r; i++) M.data[i * r + i] += 3;
  return reparametrize(rng, { ...f, M });
}

test('cosine and relative distance match a dense double-double reference (plain LoRA, MoSLoRA mixers, different ranks, negative scales)', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 16; trial++) {
    const m = rng.int(12, 30);
    const n = rng.int(12, 30);
    const r1 = rng.int(1, 5);
    const r2 = rng.int(1, 5);
    const [a, b] = relatedPair(rng, m, n, r1, r2, trial % 2 === 1);
    const want = reference(materialized(a), materialized(b));
    const got = compareBases(basisOfRaw(a), basisOfRaw(b));
    const cosine = want.inner / want.n1 / want.n2;
    const where = `${m}×${n}, ranks ${r1}/${r2}${trial % 2 ? ', mixers' : ''} ${rng.tag}`;
    assert.ok(Math.abs((got.cosine as number) - cosine) <= 1e-12, `cosine ${got.cosine} vs ${cosine}, ${where}`);
    assert.ok(Math.abs(got.norms[0] - want.n1) <= 1e-13 * want.n1, `norm ${where}`);
    const rel = want.distance / want.n1;
    assert.ok(Math.abs((got.relativeDistance as number) - rel) <= 1e-12 * rel, `distance ${got.relativeDistance} vs ${rel}, ${where}`);
  }
});

test('the distance of nearly equal ΔW is accurate to ~1e-11·‖ΔW‖ absolutely (‖ΔW1‖² + ‖ΔW2‖² − 2⟨·,·⟩ would cancel to ~1e-8·‖ΔW‖)', (t) => {
  const rng = Rng.fresh();
  const diagnostics: number[] = [];
  for (let trial = 0; trial < 8; trial++) {
    const [a] = relatedPair(rng, 20, 16, 4, 4, false);
    // b = a + a tiny rank-one change, through other factors.
    const eps = 10 ** -(4 + 4 * rng.next());
    const u = gaussian(rng, 20, 1);
    const v = gaussian(rng, 1, 16);
    const B = { rows: 20, cols: 5, data: new Float64Array(100) };
    const A = { rows: 5, cols: 16, data: new Float64Array(80) };
    for (let i = 0; i < 20; i++) {
      for (let j = 0; j < 4; j++) B.data[i * 5 + j] = a.B.data[i * 4 + j] * a.s;
      B.data[i * 5 + 4] = eps * u.data[i];
    }
    A.data.set(a.A.data);
    A.data.set(v.data, 64);
    const b = reparametrize(rng, { s: 1, B, A });
    const want = reference(materialized(a), materialized(b));
    const got = compareBases(basisOfRaw(a), basisOfRaw(b));
    const rel = want.distance / want.n1;
    assert.ok(Math.abs((got.relativeDistance as number) - rel) <= 2e-11 + 1e-9 * rel, `distance ${got.relativeDistance} vs ${rel} at ε ${eps} ${rng.tag}`);
    const naive = Math.sqrt(Math.max(0, got.norms[0] ** 2 + got.norms[1] ** 2 - 2 * got.inner)) / got.norms[0];
    diagnostics.push(Math.abs(naive - rel) / rel);
    assert.ok((got.cosine as number) < 1, rng.tag);
  }
  t.diagnostic(`the cancelling formula's relative errors: ${diagnostics.map((e) => e.toExponential(1)).join(', ')}`);
});

function assertSame(x: BasisComparison, y: BasisComparison, what: string): void {
  const close = (p: number, q: number, label: string, scale = 1) => assert.ok(Math.abs(p - q) <= 1e-9 * scale, `${label}: ${p} vs ${q}, ${what}`);
  close(x.cosine as number, y.cosine as number, 'cosine');
  close(x.relativeDistance as number, y.relativeDistance as number, 'relative distance', y.relativeDistance as number);
  close(x.norms[0], y.norms[0], '‖ΔW1‖', y.norms[0]);
  close(x.norms[1], y.norms[1], '‖ΔW2‖', y.norms[1]);
  assert.equal(x.k, y.k, what);
  for (const side of ['column', 'row'] as const) {
    x[side].cosines.forEach((c, i) => close(c, y[side].cosines[i], `${side} cosine ${i + 1}`));
    x[side].degrees.forEach((c, i) => close(c, y[side].degrees[i], `${side} angle ${i + 1} (degrees)`, 90));
    const [gx, gy] = [x.grid?.[side], y.grid?.[side]];
    assert.ok(gx && gy);
    gx.data.forEach((v, i) => close(v, gy.data[i], `${side} φ grid entry ${i}`));
  }
}

test('every measure is invariant under random reparametrizations (B·R, R⁻¹·A) of either adapter, mixers included (≤ 1e-9)', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 12; trial++) {
    const [r1, r2] = [rng.int(1, 6), rng.int(1, 6)];
    const m = rng.int(12, 40);
    const n = rng.int(12, 40);
    const [a, b] = relatedPair(rng, m, n, r1, r2, trial % 3 === 2);
    const base = compareBases(basisOfRaw(a), basisOfRaw(b), { grid: true });
    const what = `${m}×${n}, ranks ${r1}/${r2} ${rng.tag}`;
    assertSame(compareBases(basisOfRaw(reparametrize(rng, a)), basisOfRaw(b), { grid: true }), base, `A reparametrized, ${what}`);
    assertSame(compareBases(basisOfRaw(a), basisOfRaw(reparametrize(rng, b)), { grid: true }), base, `B reparametrized, ${what}`);
    assertSame(compareBases(basisOfRaw(reparametrize(rng, a)), basisOfRaw(reparametrize(rng, b)), { grid: true }), base, `both, ${what}`);
  }
});

test('a module against itself: cosine 1, distance 0, all angles 0; against its negative: cosine −1, distance 2', () => {
  const rng = Rng.fresh();
  const [a] = relatedPair(rng, 24, 18, 5, 5, false);
  const self = compareBases(basisOfRaw(a), basisOfRaw(reparametrize(rng, a)));
  assert.ok(Math.abs((self.cosine as number) - 1) <= 1e-14, rng.tag);
  assert.ok((self.relativeDistance as number) <= 1e-13, `${self.relativeDistance} ${rng.tag}`);
  for (const d of [...self.column.degrees, ...self.row.degrees]) assert.ok(d <= 1e-5, `${d}° ${rng.tag}`);
  const negative = compareBases(basisOfRaw(a), basisOfRaw({ ...a, s: -a.s }));
  assert.ok(Math.abs((negative.cosine as number) + 1) <= 1e-14, rng.tag);
  assert.ok(Math.abs((negative.relativeDistance as number) - 2) <= 1e-13, rng.tag);
  for (const c of negative.column.cosines) assert.ok(Math.abs(c - 1) <= 1e-13, 'subspaces ignore sign');
});

test('the trace formula of docs/design.md §4 with raw factors agrees with the basis route on well-scaled factors', () => {
  const rng = Rng.fresh();
  const [a, b] = relatedPair(rng, 16, 14, 3, 4, true);
  // s1·s2·tr((B1ᵀB2·M2)(A2·A1ᵀ)·M1ᵀ) in plain float64, as the design states it.
  const T = multiplyDense(multiplyDense(transposeDense(a.B), b.B), b.M as Dense);
  const S = multiplyDense(b.A, transposeDense(a.A));
  const P = multiplyDense(multiplyDense(T, S), transposeDense(a.M as Dense));
  let trace = 0;
  for (let i = 0; i < P.rows; i++) trace += P.data[i * P.cols + i];
  trace *= a.s * b.s;
  const got = compareBases(basisOfRaw(a), basisOfRaw(b));
  assert.ok(Math.abs(got.inner - trace) <= 1e-8 * got.norms[0] * got.norms[1], `${got.inner} vs ${trace} ${rng.tag}`);
});

test('a zero ΔW (an untrained, zero-initialized B) gives no cosine and no angles, and distance 1 from the other side', () => {
  const rng = Rng.fresh();
  const [a] = relatedPair(rng, 16, 12, 3, 3, false);
  const zero: RawModule = { s: 1, B: { rows: 16, cols: 3, data: new Float64Array(48) }, A: gaussian(rng, 3, 12) };
  const z = basisOfRaw(zero);
  assert.deepEqual([z.norm, z.rank], [0, 0]);
  const forward = compareBases(basisOfRaw(a), z);
  assert.equal(forward.cosine, null);
  assert.ok(Math.abs((forward.relativeDistance as number) - 1) <= 1e-14, rng.tag);
  assert.deepEqual([forward.k, forward.column.cosines.length, forward.row.degrees.length], [0, 0, 0]);
  const backward = compareBases(z, basisOfRaw(a));
  assert.deepEqual([backward.cosine, backward.relativeDistance], [null, null]);
});
