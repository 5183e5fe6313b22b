import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ComputeBackend, GroupOverlap, TallFactor } from '../../../src/core/compute/backend';
import { groupBlock, groupOffsets, groupOverlapJs } from '../../../src/core/compute/groupOverlaps';
import { OrtBackend } from '../../../src/core/compute/ort/ortBackend';
import { WorkerOrtBackend } from '../../../src/core/compute/worker/workerOrtBackend';
import { singularValues } from '../../../src/core/linalg/jacobiSvd';
import { multiply, type Matrix } from '../../../src/core/linalg/matrix';
import { backends } from '../../helpers/backends';
import { logSpaced } from '../../helpers/factors';
import { Rng } from '../../helpers/random';
import { columns, orthonormal, rotateTowards } from '../subspace/plantedModules';
import { stored } from './plantedOverlaps';

/**
 * groupOverlaps on both backends, one tolerance table, against planted groups whose answers are
 * known exactly: T_i = Q_i·G_i with Q_i = Q_0·cos θ_i + E_i·sin θ_i column by column (Q_0, E_1,
 * E_2, … mutually orthogonal), so Q_iᵀQ_j = diag(cos θ_i·cos θ_j) for i ≠ j, = I for i = j, and
 * σ(R_i) = σ(G_i), whatever the G_i (condition number κ) do to the factors. As in overlaps.test,
 * the stored factors carry their planted spans only to ~ε·κ, so the tolerance is ULPS·ε·κ
 * absolute on the cosines (which lie in [0, 1]) and relative to σ1 on the R's.
 */
interface Case {
  readonly name: string;
  readonly cond: number;
  /** The planted angles' range, radians, log-uniform. */
  readonly angles: readonly [number, number];
  /** Whether the ORT backend runs this case on the device (else its Householder fallback). */
  readonly device: boolean;
}

const ULPS = 16;

const TABLE: readonly Case[] = [
  // Random tall factors are near-orthogonal: one CholeskyQR pass.
  { name: 'near-orthogonal factors (κ 1.5), layers apart', cond: 1.5, angles: [Math.PI / 6, Math.PI / 2], device: true },
  { name: 'well-conditioned (κ 10), layers nearly alike (1e-9 to 1e-3 rad)', cond: 10, angles: [1e-9, 1e-3], device: true },
  // Past ONE_PASS: the second pass on the device.
  { name: 'ill-conditioned factors (κ 1e5)', cond: 1e5, angles: [1e-6, Math.PI / 2], device: true },
  // κ² > 1/ε: the Gram is not numerically positive definite; every factor takes Householder.
  { name: 'beyond CholeskyQR (κ 1e9)', cond: 1e9, angles: [Math.PI / 6, Math.PI / 2], device: false },
];

interface PlantedGroup {
  readonly factors: Matrix[];
  readonly theta: Float64Array[];
  readonly sigma: Float64Array[];
}

/** A random r×r matrix with singular values spread log-uniformly over `cond`, times 10^u (u ∈ [−2, 2]). */
function conditioned(rng: Rng, r: number, cond: number): { G: Matrix; sigma: Float64Array } {
  const scale = 10 ** (4 * rng.next() - 2);
  const sigma = logSpaced(r, cond).map((x) => x * scale);
  const U = orthonormal(rng, r, r);
  for (let j = 0; j < r; j++) for (let i = 0; i < r; i++) U.data[j * r + i] *= sigma[j];
  return { G: multiply(U, orthonormal(rng, r, r)), sigma };
}

function plantedGroup(rng: Rng, d: number, r: number, L: number, c: Case): PlantedGroup {
  const E = orthonormal(rng, d, (L + 1) * r);
  const Q0 = columns(E, 0, r);
  const theta = Array.from({ length: L }, () => Float64Array.from({ length: r }, () => c.angles[0] * (c.angles[1] / c.angles[0]) ** rng.next()));
  const gs = theta.map(() => conditioned(rng, r, c.cond));
  const factors = theta.map((t, i) => multiply(rotateTowards(Q0, columns(E, (i + 1) * r, (i + 2) * r), t), gs[i].G));
  return { factors, theta, sigma: gs.map((g) => g.sigma) };
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, allowed: number, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= allowed, `${what} ${i + 1}: ${got[i]} vs ${want[i]} (allowed ${allowed})`);
}

/** Every block of the result against the planted cosines, the R's against σ(G), and exact symmetry. */
function check(o: GroupOverlap, planted: PlantedGroup, cond: number, tag: string): void {
  const allowed = ULPS * Number.EPSILON * cond;
  const offsets = groupOffsets(o.R);
  const L = planted.factors.length;
  for (let i = 0; i < L; i++) {
    const sigma = planted.sigma[i];
    assertClose(singularValues(o.R[i]), sigma, allowed * sigma[0], `σ(R${i}) ${tag}`);
    for (let j = 0; j < L; j++) {
      const want = i === j ? new Array<number>(sigma.length).fill(1) : Array.from(planted.theta[i], (t, c) => Math.cos(t) * Math.cos(planted.theta[j][c])).sort((a, b) => b - a);
      assertClose(singularValues(groupBlock(o, offsets, i, j)), want, allowed, `σ(Q${i}ᵀQ${j}) ${tag}`);
    }
  }
  const S = o.cross.rows;
  for (let a = 0; a < S; a++) for (let b = 0; b < a; b++) assert.equal(o.cross.data[a * S + b], o.cross.data[b * S + a], `symmetric at (${a}, ${b}) ${tag}`);
}

async function runCase(backend: ComputeBackend, c: Case, tag: string): Promise<void> {
  const rng = Rng.fresh();
  // Two groups of different shapes in one call, as the cross-layer maps send them: one tall
  // (PEFT's B), one of mixed layouts (wide like PEFT's Aᵀ, tall like mlx-lm's).
  const shapes = [
    { d: rng.int(600, 900), r: [8, 12, 16][rng.int(0, 2)], L: rng.int(3, 6) },
    { d: rng.int(600, 900), r: 8, L: rng.int(2, 4) },
  ];
  const planted = shapes.map((s) => plantedGroup(rng, s.d, s.r, s.L, c));
  const got = await backend.groupOverlaps(planted.map((p, k) => p.factors.map((f, i) => stored(f, k === 0 || i % 2 === 1 ? 'tall' : 'wide'))));
  got.forEach((o, k) => check(o, planted[k], c.cond, `group ${k} (d ${shapes[k].d}, r ${shapes[k].r}, L ${shapes[k].L}) ${tag} ${rng.tag}`));
}

for (const c of TABLE) {
  for (const { name, make } of backends()) {
    test(`${name} backend, ${c.name}: group overlaps to ${ULPS}·ε·κ`, async () => {
      const backend = make();
      try {
        await runCase(backend, c, name);
        if (backend instanceof OrtBackend) {
          const fallbacks = backend.report().fallbacks ?? 0;
          assert.equal(fallbacks === 0, c.device, `${fallbacks} factors took the Householder reference`);
        }
      } finally {
        await backend.dispose();
      }
    });
  }
}

test('onnxruntime in its worker thread: the same planted groups, results transferred back', async () => {
  const backend = new WorkerOrtBackend(join(__dirname, '..', '..', '..', 'src', 'core', 'compute', 'worker', 'ortWorker.js'), { device: 'cpu' });
  try {
    for (const c of TABLE) await runCase(backend, c, 'worker');
  } finally {
    await backend.dispose();
  }
});

test('zero and rank-deficient factors take the Householder reference; their blocks match it and the rest stay exact', async () => {
  const rng = Rng.fresh();
  const c = TABLE[0];
  const planted = plantedGroup(rng, 800, 8, 5, c);
  const factors = (): TallFactor[] => {
    const out = planted.factors.map((f) => stored(f, 'tall'));
    const deficient = planted.factors[1].data.slice();
    deficient.copyWithin(7 * 800, 0, 800); // column 8 = column 1: rank 7
    out[1] = stored({ rows: 800, cols: 8, data: deficient }, 'tall');
    out[3] = { rows: 800, cols: 8, layout: 'tall', values: new Float64Array(800 * 8) };
    return out;
  };
  const reference = groupOverlapJs(factors());
  for (const { name, make } of backends()) {
    const backend = make();
    try {
      const [o] = await backend.groupOverlaps([factors()]);
      if (backend instanceof OrtBackend) assert.equal(backend.report().fallbacks, 2, `${name} ${rng.tag}`);
      assert.deepEqual(Array.from(o.R[3].data), new Array(64).fill(0), `a zero factor's R is zero ${rng.tag}`);
      const sR = singularValues(o.R[1]);
      assert.ok(sR[7] <= 1e-13 * sR[0], `rank deficiency shows in R: ${sR[7]} ${rng.tag}`);
      const offsets = groupOffsets(o.R);
      const allowed = ULPS * Number.EPSILON * c.cond;
      for (let i = 0; i < 5; i++) {
        for (let j = 0; j < 5; j++) {
          // σ(Q_iᵀQ_j) does not depend on which orthonormal basis of span(T_j) a backend forms,
          // and the completion of a deficient factor's Q is Householder's on both.
          const [got, want] = [singularValues(groupBlock(o, offsets, i, j)), singularValues(groupBlock(reference, groupOffsets(reference.R), i, j))];
          assertClose(got, want, allowed, `${name} σ(Q${i}ᵀQ${j}) vs the reference ${rng.tag}`);
          if (i !== 1 && i !== 3 && j !== 1 && j !== 3 && i !== j) {
            const exact = Array.from(planted.theta[i], (t, k) => Math.cos(t) * Math.cos(planted.theta[j][k])).sort((a, b) => b - a);
            assertClose(got, exact, allowed, `${name} σ(Q${i}ᵀQ${j}) planted ${rng.tag}`);
          }
        }
      }
    } finally {
      await backend.dispose();
    }
  }
});

test('float32 factors give the same group overlaps on onnxruntime as on the reference', async () => {
  const rng = Rng.fresh();
  const [ort, js] = [new OrtBackend('cpu'), backends()[0].make()];
  try {
    const planted = plantedGroup(rng, 700, 12, 4, { name: '', cond: 10, angles: [1e-4, 1.5], device: true });
    const inputs = (layout: 'tall' | 'wide'): TallFactor[][] => [planted.factors.map((f) => stored(f, layout, 'float32'))];
    for (const layout of ['tall', 'wide'] as const) {
      const [a, b] = [(await ort.groupOverlaps(inputs(layout)))[0], (await js.groupOverlaps(inputs(layout)))[0]];
      const [oa, ob] = [groupOffsets(a.R), groupOffsets(b.R)];
      // Both see the same float32 values, exactly widened: only the methods' rounding differs.
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 4; j++)
          assertClose(singularValues(groupBlock(a, oa, i, j)), singularValues(groupBlock(b, ob, i, j)), ULPS * Number.EPSILON * 10, `${layout} σ(Q${i}ᵀQ${j}) ${rng.tag}`);
        const want = singularValues(b.R[i]);
        assertClose(singularValues(a.R[i]), want, ULPS * Number.EPSILON * 10 * want[0], `${layout} σ(R${i}) ${rng.tag}`);
      }
    }
    assert.equal(ort.report().fallbacks, 0);
  } finally {
    await ort.dispose();
    await js.dispose();
  }
});

test('a group of mixed ranks takes the reference on onnxruntime, counted, with its blocks sized by each R', async () => {
  const rng = Rng.fresh();
  const planted = plantedGroup(rng, 700, 12, 3, TABLE[0]);
  // Layer 1 keeps 8 of its 12 columns (a rank_pattern entry): Q_1 spans a part of the planted span.
  const factors = (): TallFactor[] => planted.factors.map((f, i) => stored(i === 1 ? columns(f, 0, 8) : f, 'tall'));
  const ort = new OrtBackend('cpu');
  try {
    const [o] = await ort.groupOverlaps([factors()]);
    assert.equal(ort.report().fallbacks, 3, rng.tag);
    assert.deepEqual(groupOffsets(o.R), [0, 12, 20, 32]);
    check(
      { R: [o.R[0], o.R[2]], cross: { rows: 24, cols: 24, data: dropBlock(o.cross, 12, 20) } },
      { ...planted, factors: [planted.factors[0], planted.factors[2]], theta: [planted.theta[0], planted.theta[2]], sigma: [planted.sigma[0], planted.sigma[2]] },
      TABLE[0].cond,
      rng.tag,
    );
  } finally {
    await ort.dispose();
  }
});

/** The S×S matrix without rows and columns [from, to). */
function dropBlock(X: Matrix, from: number, to: number): Float64Array {
  const keep = Array.from({ length: X.rows }, (_, i) => i).filter((i) => i < from || i >= to);
  const out = new Float64Array(keep.length * keep.length);
  keep.forEach((col, c) => keep.forEach((row, r) => (out[c * keep.length + r] = X.data[col * X.rows + row])));
  return out;
}
