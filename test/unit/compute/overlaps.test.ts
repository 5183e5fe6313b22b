import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { ComputeBackend, FactorPair } from '../../../src/core/compute/backend';
import { OrtBackend } from '../../../src/core/compute/ort/ortBackend';
import { singularValues } from '../../../src/core/linalg/jacobiSvd';
import { backends } from '../../helpers/backends';
import { Rng } from '../../helpers/random';
import { plantedPair, stored, type PlantedPair } from './plantedOverlaps';

/**
 * pairOverlaps on both backends, one tolerance table, against planted pairs whose answers are
 * known exactly (plantedOverlaps.ts): σ(Q1ᵀQ2) = cos θ, σ(R_Z) = sin θ, σ(R_i) = σ(G_i). The
 * stored factors carry their planted spans only to ~ε·κ(G) (each entry is rounded), so no method
 * can be held tighter than that; the tolerance is ULPS·ε·κ absolute on the cosines and sines (a
 * few dozen ulps of headroom for the d-long dot products) and relative to σ1 on the R's. Sizes
 * are large enough for the ORT backend to run its kernels, and the `device` column says whether
 * it must (counted by its fallbacks) or must hand the pairs to the Householder reference.
 */
interface Case {
  readonly name: string;
  /** κ(G) of both factors. */
  readonly cond: number;
  /** The planted angles' range, radians, log-uniform. */
  readonly angles: readonly [number, number];
  /** Whether the ORT backend runs this case on the device (else its Householder fallback). */
  readonly device: boolean;
}

const ULPS = 16;

const TABLE: readonly Case[] = [
  // Near-orthogonal factors (random tall ones are): one CholeskyQR pass, R_Z from the Gram.
  { name: 'near-orthogonal factors (κ 1.5), subspaces apart', cond: 1.5, angles: [Math.PI / 6, Math.PI / 2], device: true },
  { name: 'near-orthogonal factors (κ 1.5), nearly equal (1e-9 to 1e-3 rad)', cond: 1.5, angles: [1e-9, 1e-3], device: true },
  { name: 'well-conditioned, subspaces apart', cond: 10, angles: [Math.PI / 6, Math.PI / 2], device: true },
  { name: 'ill-conditioned factors (κ 1e5), apart', cond: 1e5, angles: [Math.PI / 6, Math.PI / 2], device: true },
  { name: 'well-conditioned, nearly equal (1e-9 to 1e-3 rad)', cond: 10, angles: [1e-9, 1e-3], device: true },
  { name: 'κ 1e2, nearly equal', cond: 1e2, angles: [1e-6, 1e-2], device: true },
  // Z is formed from the second pass's near-orthonormal P, so the factors' κ does not reach it.
  { name: 'ill-conditioned (κ 1e5) and nearly equal', cond: 1e5, angles: [1e-9, 1e-3], device: true },
  // Past CholeskyQR's reach (κ² > 1/ε): the Gram is not numerically positive definite.
  { name: 'beyond CholeskyQR (κ 1e9)', cond: 1e9, angles: [Math.PI / 6, Math.PI / 2], device: false },
];

function logUniform(rng: Rng, [lo, hi]: readonly [number, number], count: number): Float64Array {
  return Float64Array.from({ length: count }, () => lo * (hi / lo) ** rng.next());
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, allowed: number, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= allowed, `${what} ${i + 1}: ${got[i]} vs ${want[i]} (allowed ${allowed})`);
}

const descending = (x: ArrayLike<number>): number[] => Array.from(x).sort((a, b) => b - a);

async function check(backend: ComputeBackend, planted: readonly PlantedPair[], pairs: readonly FactorPair[], cond: number, tag: string): Promise<void> {
  const got = await backend.pairOverlaps(pairs);
  const allowed = ULPS * Number.EPSILON * cond;
  got.forEach((o, k) => {
    const p = planted[k];
    const where = `pair ${k} (d ${p.first.rows}, r ${p.first.cols}/${p.second.cols}) ${tag}`;
    assertClose(singularValues(o.cross), descending(p.theta.map(Math.cos)), allowed, `σ(C) vs cos θ, ${where}`);
    assertClose(singularValues(o.residual), descending(p.theta.map(Math.sin)), allowed, `σ(R_Z) vs sin θ, ${where}`);
    [o.R1, o.R2].forEach((R, side) => {
      const sigma = p.sigma[side];
      assertClose(singularValues(R), sigma, allowed * sigma[0], `σ(R${side + 1}), ${where}`);
    });
  });
}

for (const c of TABLE) {
  for (const { name, make } of backends()) {
    test(`${name} backend, ${c.name}: overlaps to ${ULPS}·ε·κ`, async () => {
      const rng = Rng.fresh();
      const backend = make();
      try {
        // A stack of three pairs of one shape (r1 = r2 + 4) and one of another, in mixed layouts.
        const [d, r] = [rng.int(600, 900), [8, 12, 16][rng.int(0, 2)]];
        const planted = [0, 1, 2].map(() => plantedPair(rng, d, r, 4, logUniform(rng, c.angles, r), c.cond));
        planted.push(plantedPair(rng, rng.int(600, 900), 8, 0, logUniform(rng, c.angles, 8), c.cond));
        const pairs = planted.map((p, k) => ({ first: stored(p.first, k === 3 ? 'wide' : 'tall'), second: stored(p.second, 'wide') }));
        await check(backend, planted, pairs, c.cond, rng.tag);
        if (backend instanceof OrtBackend) {
          const fallbacks = backend.report().fallbacks ?? 0;
          assert.equal(fallbacks === 0, c.device, `${fallbacks} of 4 pairs took the Householder reference ${rng.tag}`);
        }
      } finally {
        await backend.dispose();
      }
    });
  }
}

test('subspaces sharing directions exactly (Z rank-deficient, not small): exact overlaps on both backends', async () => {
  for (const { name, make } of backends()) {
    const rng = Rng.fresh();
    const backend = make();
    try {
      // Three of twelve directions shared exactly (θ = 0), the rest well apart or close.
      const theta = Float64Array.from({ length: 12 }, (_, i) => (i < 3 ? 0 : i < 8 ? 0.3 + rng.next() : 1e-6 * (1 + rng.next())));
      const planted = [0, 1].map(() => plantedPair(rng, 700, 12, 0, theta, 10));
      const pairs = planted.map((p) => ({ first: stored(p.first, 'tall'), second: stored(p.second, 'tall') }));
      await check(backend, planted, pairs, 10, `${name} ${rng.tag}`);
      // Z's shared directions are rounding noise beside its others (κ(Z) ~ 1/ε): past even shifted
      // CholeskyQR3's reach, so the device hands such pairs to the Householder reference.
      if (backend instanceof OrtBackend) assert.ok((backend.report().fallbacks ?? 0) > 0, `the reference took them ${rng.tag}`);
    } finally {
      await backend.dispose();
    }
  }
});

test('float32 factors of mixed layouts give the same overlaps on onnxruntime as on the reference', async () => {
  const rng = Rng.fresh();
  const [ort, js] = [new OrtBackend('cpu'), backends()[0].make()];
  try {
    const planted = [0, 1].map(() => plantedPair(rng, 700, 12, 0, logUniform(rng, [1e-4, 1.5], 12), 10));
    const pairs = (): FactorPair[] => planted.map((p) => ({ first: stored(p.first, 'tall', 'float32'), second: stored(p.second, 'wide', 'float32') }));
    const [a, b] = [await ort.pairOverlaps(pairs()), await js.pairOverlaps(pairs())];
    assert.equal(ort.report().fallbacks, 0);
    a.forEach((o, k) => {
      // Both see the same float32 values, exactly widened: only the methods' rounding differs.
      for (const key of ['cross', 'residual', 'R1', 'R2'] as const) {
        const [x, y] = [singularValues(o[key]), singularValues(b[k][key])];
        assertClose(x, y, ULPS * Number.EPSILON * 10 * y[0], `σ(${key}) of pair ${k} ${rng.tag}`);
      }
    });
  } finally {
    await ort.dispose();
    await js.dispose();
  }
});

test('a zero or rank-deficient factor takes the Householder reference and still gives exact overlaps', async () => {
  const rng = Rng.fresh();
  const ort = new OrtBackend('cpu');
  try {
    const p = plantedPair(rng, 800, 8, 0, logUniform(rng, [0.3, 1.5], 8), 10);
    const deficient = p.second.data.slice();
    deficient.copyWithin(7 * 800, 0, 800); // column 8 = column 1: rank 7
    const zero = new Float64Array(800 * 8);
    const [d, z] = await ort.pairOverlaps([
      { first: stored(p.first, 'tall'), second: { rows: 800, cols: 8, layout: 'wide', values: deficient } },
      { first: stored(p.first, 'tall'), second: { rows: 800, cols: 8, layout: 'wide', values: zero } },
    ]);
    assert.equal(ort.report().fallbacks, 2);
    const sR2 = singularValues(d.R2);
    assert.ok(sR2[7] <= 1e-13 * sR2[0], `rank deficiency shows in R2: ${sR2[7]} ${rng.tag}`);
    // Whatever the completion of Q2, C·Cᵀ + … keeps [Q1 Q2] orthonormal: σ(C)² + σ(R_Z)² pair up to 1.
    for (const o of [d, z]) {
      const [c, s] = [singularValues(o.cross), singularValues(o.residual)];
      c.forEach((ci, i) => assert.ok(Math.abs(ci * ci + s[7 - i] * s[7 - i] - 1) <= 1e-12, `cos² + sin² = 1 at ${i} ${rng.tag}`));
    }
    assert.deepEqual(Array.from(z.R2.data), new Array(64).fill(0));
  } finally {
    await ort.dispose();
  }
});
