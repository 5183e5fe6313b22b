import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { TallFactor } from '../../../src/core/compute/backend';
import { denseSvd } from '../../../src/core/linalg/denseSvd';
import type { MatrixReference, ModuleReference } from '../../../src/core/subspace/referenceFile';
import { measureAgainst, referenceDirections, type ReferenceDirections } from '../../../src/core/subspace/referenceMetrics';
import { Rng } from '../../helpers/random';

/** The reference's directions, null when they are not given. */
async function directionsOf(ref: ModuleReference): Promise<ReferenceDirections | null> {
  const d = await referenceDirections(ref);
  return 'reason' in d ? null : d;
}

function close(got: number | null, want: number, what: string): void {
  assert.ok(got !== null, `${what}: null`);
  const error = Math.abs(got - want) / Math.max(Math.abs(want), 1e-12);
  assert.ok(error <= 1e-10, `${what}: ${got} vs ${want} (${error.toExponential(2)})`);
}

/** ΔW = s·B·M·A dense, column-major, from B (m×r) and Aᵀ (n×r) column-major and M (r×r) column-major. */
function denseDelta(m: number, n: number, r: number, B: Float64Array, At: Float64Array, M: Float64Array, s: number): Float64Array {
  const W = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < r; k++) for (let l = 0; l < r; l++) sum += B[k * m + i] * M[l * r + k] * At[l * n + j];
      W[j * m + i] = s * sum;
    }
  return W;
}

test('a general reference ΔW (any rank) against s·B·M·A in either stored layout, r above or below m: dense float64 agrees', async () => {
  const rng = Rng.fresh();
  for (const [m, n, r] of [
    [9, 7, 3],
    [2, 6, 4],
    [8, 3, 5],
  ]) {
    const B = rng.gaussians(m * r);
    const At = rng.gaussians(n * r);
    const M = rng.gaussians(r * r);
    const s = 0.75;
    const D = rng.gaussians(m * n);
    let norm = 0;
    for (const x of D) norm += x * x;
    const ref: MatrixReference = { kind: 'delta_w', name: 'x', rows: m, cols: n, data: D, norm: Math.sqrt(norm) };
    // B as a PEFT file stores it: m×r row-major ('tall'), in float32-exact values.
    const B32 = Float32Array.from(B);
    const Btall = new Float32Array(m * r);
    for (let i = 0; i < m; i++) for (let k = 0; k < r; k++) Btall[i * r + k] = B32[k * m + i];
    const Bfactor: TallFactor = { rows: m, cols: r, layout: 'tall', values: Btall };
    const Atfactor: TallFactor = { rows: n, cols: r, layout: 'wide', values: At };
    const got = measureAgainst({ data: { B: Bfactor, At: Atfactor, M: { rows: r, cols: r, data: M } }, scale: s, shape: [m, n] }, ref, await directionsOf(ref));
    const W = denseDelta(m, n, r, Float64Array.from(B32), At, M, s);
    let err = 0;
    let inner = 0;
    let wNorm = 0;
    for (let i = 0; i < W.length; i++) {
      err += (W[i] - D[i]) ** 2;
      inner += W[i] * D[i];
      wNorm += W[i] * W[i];
    }
    const what = `${m}×${n} r=${r} ${rng.tag}`;
    close(got.recoveryError, Math.sqrt(err) / ref.norm, `error ${what}`);
    close(got.cosine, inner / (Math.sqrt(wNorm) * ref.norm), `cosine ${what}`);
    close(got.norm, Math.sqrt(wNorm), `norm ${what}`);
    const w = denseSvd({ rows: m, cols: n, data: W });
    const d = denseSvd({ rows: m, cols: n, data: D });
    close(got.sigma1Ratio, w.values[0] / ref.norm, `σ1 ${what}`);
    const dot = (x: Float64Array, y: Float64Array, length: number) => Math.abs(x.subarray(0, length).reduce((a, e, i) => a + e * y[i], 0));
    close(got.alignmentU, dot(w.U?.data as Float64Array, d.U?.data as Float64Array, m), `cos u ${what}`);
    close(got.alignmentV, dot(w.V?.data as Float64Array, d.V?.data as Float64Array, n), `cos v ${what}`);
  }
});

test('a zero ΔW_t (PEFT starts B at zero): error 1, σ1/θ 0, no alignment or cosine', async () => {
  const m = 5;
  const n = 4;
  const u = new Float64Array(m);
  u[0] = 1;
  const v = new Float64Array(n);
  v[1] = 1;
  const ref = { kind: 'uv' as const, name: 'x', u, v, theta: 2, thetaGiven: true };
  const side = {
    data: {
      B: { rows: m, cols: 2, layout: 'wide' as const, values: new Float64Array(m * 2) },
      At: { rows: n, cols: 2, layout: 'wide' as const, values: Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]) },
    },
    scale: 1,
    shape: [m, n] as [number, number],
  };
  const got = measureAgainst(side, ref, await directionsOf(ref));
  close(got.recoveryError, 1, 'error');
  assert.equal(got.sigma1Ratio, 0);
  assert.equal(got.alignmentU, null);
  assert.equal(got.cosine, null);
});

/** k orthonormal columns (length d) by Gram–Schmidt twice, column-major. */
function orthonormal(rng: Rng, d: number, k: number): Float64Array {
  const Q = rng.gaussians(d * k);
  for (let pass = 0; pass < 2; pass++)
    for (let j = 0; j < k; j++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += Q[p * d + i] * Q[j * d + i];
        for (let i = 0; i < d; i++) Q[j * d + i] -= dot * Q[p * d + i];
      }
      let norm = 0;
      for (let i = 0; i < d; i++) norm += Q[j * d + i] ** 2;
      for (let i = 0; i < d; i++) Q[j * d + i] /= Math.sqrt(norm);
    }
  return Q;
}

test('a large reference ΔW (past the dense SVD) gets its exact top pair by Lanczos; equal σ1 = σ2 gives none', async () => {
  const rng = Rng.fresh();
  const [m, n] = [200, 160];
  const U = orthonormal(rng, m, 3);
  const V = orthonormal(rng, n, 3);
  const build = (sigmas: readonly number[]): MatrixReference => {
    const D = new Float64Array(m * n);
    sigmas.forEach((s, l) => {
      for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) D[j * m + i] += s * U[l * m + i] * V[l * n + j];
    });
    let norm = 0;
    for (const x of D) norm += x * x;
    return { kind: 'delta_w', name: 'x', rows: m, cols: n, data: D, norm: Math.sqrt(norm) };
  };
  const pair = await directionsOf(build([3, 1, 0.2]));
  assert.ok(pair, rng.tag);
  const cu = Math.abs(pair.u.reduce((a, e, i) => a + e * U[i], 0));
  const cv = Math.abs(pair.v.reduce((a, e, j) => a + e * V[j], 0));
  close(cu, 1, `u1 ${rng.tag}`);
  close(cv, 1, `v1 ${rng.tag}`);
  assert.deepEqual(await referenceDirections(build([2, 2, 1])), { reason: 'close' }, 'σ1 = σ2: the top pair is not determined');
});
