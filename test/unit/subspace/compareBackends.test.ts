import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { ComputeBackend } from '../../../src/core/compute/backend';
import { OrtBackend } from '../../../src/core/compute/ort/ortBackend';
import { factorPairs, finishPair, type ComparedSide } from '../../../src/core/subspace/modulePair';
import type { BasisComparison } from '../../../src/core/subspace/similarity';
import { backends } from '../../helpers/backends';
import { logSpaced } from '../../helpers/factors';
import { shuffled } from '../../helpers/linalgChecks';
import { Rng } from '../../helpers/random';
import { columns, moduleFromBasis, orthonormal, reparametrize, rotateTowards, type RawModule } from './plantedModules';

/**
 * Module comparisons through a backend's pairOverlaps (the path compareAdapters takes), on both
 * backends, against planted pairs whose answers are known in closed form: ΔW1 = X·Σ1·Yᵀ and
 * ΔW2 = X'·Σ2·Y'ᵀ with X' = X·cos θ + X⊥·sin θ (and Y' likewise), column by column. Per column i
 * the difference lives in span(x_i, x⊥_i) × span(y_i, y⊥_i), so
 * ‖ΔW1 − ΔW2‖² = Σ_i (σ1_i − σ2_i·c_i·c'_i)² + σ2_i²·(c_i²·s'_i² + s_i²·c'_i² + s_i²·s'_i²),
 * with 1 − c·c' taken from half-angle sines (no cancellation for nearly equal ΔW). Sizes are
 * large enough for the ORT backend to run its kernels.
 */
interface Planted {
  readonly a: RawModule;
  readonly b: RawModule;
  readonly thetaX: Float64Array;
  readonly thetaY: Float64Array;
  readonly cosine: number;
  readonly relativeDistance: number;
}

function planted(rng: Rng, m: number, n: number, r: number, angles: readonly [number, number], nearlyEqual: boolean): Planted {
  const draw = () => Float64Array.from({ length: r }, () => angles[0] * (angles[1] / angles[0]) ** rng.next());
  const [thetaX, thetaY] = [draw(), draw()];
  const U = orthonormal(rng, m, 2 * r);
  const V = orthonormal(rng, n, 2 * r);
  const s1 = shuffled(rng, logSpaced(r, 1e3));
  const s2 = nearlyEqual ? s1.map((x) => x * (1 + 1e-6 * rng.gaussian())) : shuffled(rng, logSpaced(r, 1e2));
  const a = moduleFromBasis(rng, columns(U, 0, r), s1, columns(V, 0, r), 0.5 + rng.next());
  const b = moduleFromBasis(
    rng,
    rotateTowards(columns(U, 0, r), columns(U, r, 2 * r), thetaX),
    s2,
    rotateTowards(columns(V, 0, r), columns(V, r, 2 * r), thetaY),
    0.5 + rng.next(),
  );
  let [inner, n1, n2, d2] = [0, 0, 0, 0];
  for (let i = 0; i < r; i++) {
    const [c, s, c2, s2i] = [Math.cos(thetaX[i]), Math.sin(thetaX[i]), Math.cos(thetaY[i]), Math.sin(thetaY[i])];
    // 1 − c·c' = (1 − c) + c·(1 − c'), 1 − cos θ = 2·sin²(θ/2).
    const oneMinus = 2 * Math.sin(thetaX[i] / 2) ** 2 + c * 2 * Math.sin(thetaY[i] / 2) ** 2;
    inner += s1[i] * s2[i] * c * c2;
    n1 += s1[i] ** 2;
    n2 += s2[i] ** 2;
    d2 += (s1[i] - s2[i] + s2[i] * oneMinus) ** 2 + s2[i] ** 2 * (c * c * s2i * s2i + s * s * c2 * c2 + s * s * s2i * s2i);
  }
  return { a, b, thetaX, thetaY, cosine: inner / Math.sqrt(n1 * n2), relativeDistance: Math.sqrt(d2 / n1) };
}

/** Raw factors as the reader hands them over: B stored m×r (tall), A stored r×n (Aᵀ wide). */
function side(f: RawModule): ComparedSide {
  return {
    data: { B: { rows: f.B.rows, cols: f.B.cols, layout: 'tall', values: f.B.data.slice() }, At: { rows: f.A.cols, cols: f.A.rows, layout: 'wide', values: f.A.data.slice() } },
    scale: f.s,
    shape: [f.B.rows, f.A.cols],
  };
}

/** Compares module pairs as compareAdapters does: one pairOverlaps call for all, then finishPair. */
async function compareAll(backend: ComputeBackend, modules: readonly [RawModule, RawModule][], k: number): Promise<BasisComparison[]> {
  const sides = modules.map(([a, b]) => [side(a), side(b)] as const);
  const overlaps = await backend.pairOverlaps(sides.flatMap(([a, b]) => factorPairs(a, b)));
  return sides.map(([a, b], i) => finishPair(a, b, overlaps[2 * i], overlaps[2 * i + 1], { k, grid: true }));
}

const CASES = [
  { name: 'subspaces apart', angles: [0.2, 1.5] as const, nearlyEqual: false },
  { name: 'nearly equal ΔW (angles 1e-8 to 1e-4 rad, σ within 1e-6)', angles: [1e-8, 1e-4] as const, nearlyEqual: true },
];

for (const c of CASES) {
  for (const { name, make } of backends()) {
    test(`${name} backend, ${c.name}: cosine, distance and angles match the closed form`, async () => {
      const rng = Rng.fresh();
      const backend = make();
      try {
        const r = [8, 12][rng.int(0, 1)];
        const [m, n] = [rng.int(560, 800), rng.int(560, 800)];
        const cases = [0, 1, 2].map(() => planted(rng, m, n, r, c.angles, c.nearlyEqual));
        const got = await compareAll(
          backend,
          cases.map((p) => [p.a, p.b]),
          r,
        );
        got.forEach((g, i) => {
          const p = cases[i];
          const where = `module ${i} (${m}×${n}, r ${r}) ${rng.tag}`;
          assert.ok(Math.abs((g.cosine as number) - p.cosine) <= 1e-12, `cosine ${g.cosine} vs ${p.cosine}, ${where}`);
          assert.ok(
            Math.abs((g.relativeDistance as number) - p.relativeDistance) <= 2e-11 + 1e-9 * p.relativeDistance,
            `distance ${g.relativeDistance} vs ${p.relativeDistance}, ${where}`,
          );
          for (const [angles, theta] of [
            [g.column.degrees, p.thetaX],
            [g.row.degrees, p.thetaY],
          ] as const) {
            const want = Array.from(theta, (t) => (t * 180) / Math.PI).sort((x, y) => x - y);
            want.forEach((deg, j) => assert.ok(Math.abs(angles[j] - deg) <= 1e-12 * 90 + 1e-6 * deg, `θ${j + 1} ${angles[j]}° vs ${deg}°, ${where}`));
          }
        });
        if (backend instanceof OrtBackend) assert.equal(backend.report().fallbacks, 0, `the device ran every pair ${rng.tag}`);
      } finally {
        await backend.dispose();
      }
    });
  }
}

test('on both backends, every measure is invariant under reparametrizations (B·R, R⁻¹·A) and agrees across backends (≤ 1e-9)', async () => {
  const rng = Rng.fresh();
  const p = planted(rng, 640, 600, 8, [1e-3, 1.5], false);
  const modules: [RawModule, RawModule][] = [
    [p.a, p.b],
    [reparametrize(rng, p.a), p.b],
    [p.a, reparametrize(rng, p.b)],
    [reparametrize(rng, p.a), reparametrize(rng, p.b)],
  ];
  const all: BasisComparison[] = [];
  for (const { make } of backends()) {
    const backend = make();
    try {
      all.push(...(await compareAll(backend, modules, 8)));
    } finally {
      await backend.dispose();
    }
  }
  const [base] = all;
  const close = (x: number, y: number, what: string, scale = 1) => assert.ok(Math.abs(x - y) <= 1e-9 * scale, `${what}: ${x} vs ${y} ${rng.tag}`);
  all.forEach((g, i) => {
    const what = `${i < 4 ? 'js' : 'onnxruntime'} #${i % 4}`;
    close(g.cosine as number, base.cosine as number, `cosine, ${what}`);
    close(g.relativeDistance as number, base.relativeDistance as number, `distance, ${what}`, base.relativeDistance as number);
    for (const s of ['column', 'row'] as const) {
      g[s].degrees.forEach((d, j) => close(d, base[s].degrees[j], `${s} θ${j + 1}, ${what}`, 90));
      g.grid?.[s].data.forEach((v, j) => close(v, base.grid?.[s].data[j] as number, `${s} φ ${j}, ${what}`));
    }
  });
});

test('a zero B (an untrained module) on the device backend: no cosine, no angles, distance 1', async () => {
  const rng = Rng.fresh();
  const p = planted(rng, 600, 620, 8, [0.2, 1.5], false);
  const zero: RawModule = { ...p.b, B: { rows: p.b.B.rows, cols: p.b.B.cols, data: new Float64Array(p.b.B.data.length) } };
  const ort = new OrtBackend('cpu');
  try {
    const [forward] = await compareAll(ort, [[p.a, zero]], 8);
    assert.equal(forward.cosine, null);
    assert.ok(Math.abs((forward.relativeDistance as number) - 1) <= 1e-14, rng.tag);
    assert.deepEqual([forward.k, forward.column.cosines.length, forward.norms[1]], [0, 0, 0]);
    assert.ok((ort.report().fallbacks ?? 0) >= 1, 'the zero factor took the Householder reference');
  } finally {
    await ort.dispose();
  }
});
