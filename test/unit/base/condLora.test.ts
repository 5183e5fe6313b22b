import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { randomizedSvd } from '../../../src/core/analysis/randomizedSvd';
import { conversionMatrices, EXACT_LIMIT, type RawFactors } from '../../../src/core/base/condLora';
import { condLoraGroup } from '../../../src/core/base/conversionSimilarity';
import { JsDenseEngine, type DenseMatrix } from '../../../src/core/compute/dense';
import { multiply, transpose, type Matrix } from '../../../src/core/linalg/matrix';
import { Rng } from '../../helpers/random';
import { orthonormal } from '../subspace/plantedModules';
import { rowMajor } from './baseFixtures';

/**
 * CondLoRA as the paper defines it (Kim et al. 2024; CyberAgentAILab/CondLoRA,
 * src/conversion_matrix_analysis.py): C_B = W0⁻¹·B, C_A = W0⁻¹·Aᵀ per layer, φ(i, j) between
 * layers' column spaces, and one conversion fitted to all layers. Planted adapters are made the
 * way CondLoRA makes its factors (peft/tuners/condlora/layer.py: B = W0·Θ_B, Aᵀ = W0·Θ_A with
 * Θ shared by all layers), and every number is checked against a float64 reference computed
 * here by other means (Gauss–Jordan inverse, Gram–Schmidt bases).
 */
const engine = new JsDenseEngine();

/** Column-major d×c Gaussian. */
function gauss(rng: Rng, d: number, c: number): Matrix {
  return { rows: d, cols: c, data: rng.gaussians(d * c) };
}

/** Row-major W0 and its column-major copy. */
function randomW0(rng: Rng, m: number, n: number): { W0: DenseMatrix; Wc: Matrix } {
  const Wc = gauss(rng, m, n);
  return { W0: { rows: m, cols: n, values: rowMajor(Wc) }, Wc };
}

/** CondLoRA's factors for one layer: B = W0·Θ_B, Aᵀ = W0·Θ_A (square W0). */
function condLoraFactors(Wc: Matrix, thetaA: Matrix, thetaB: Matrix): RawFactors {
  return { B: multiply(Wc, thetaB), At: multiply(Wc, thetaA) };
}

async function convert(rng: Rng, W0: DenseMatrix, f: RawFactors) {
  const top = await randomizedSvd(W0, engine, { k: 6, gaussian: () => rng.gaussian() });
  return conversionMatrices(W0, top, f);
}

/** Reference W⁻¹·Z by Gauss–Jordan with partial pivoting (W column-major d×d). */
function solveReference(W: Matrix, Z: Matrix): Matrix {
  const d = W.rows;
  const c = Z.cols;
  const a = Array.from({ length: d }, (_, i) => [...Array.from({ length: d }, (_, j) => W.data[j * d + i]), ...Array.from({ length: c }, (_, j) => Z.data[j * d + i])]);
  for (let k = 0; k < d; k++) {
    let p = k;
    for (let i = k + 1; i < d; i++) if (Math.abs(a[i][k]) > Math.abs(a[p][k])) p = i;
    [a[k], a[p]] = [a[p], a[k]];
    for (let i = 0; i < d; i++) {
      if (i === k) continue;
      const f = a[i][k] / a[k][k];
      for (let j = k; j < d + c; j++) a[i][j] -= f * a[k][j];
    }
  }
  const out = new Float64Array(d * c);
  for (let j = 0; j < c; j++) for (let i = 0; i < d; i++) out[j * d + i] = a[i][d + j] / a[i][i];
  return { rows: d, cols: c, data: out };
}

/** Reference orthonormal basis of a full-rank d×r matrix: Gram–Schmidt, twice. */
function gramSchmidt(C: Matrix): number[][] {
  const q: number[][] = [];
  for (let j = 0; j < C.cols; j++) {
    const v = Array.from(C.data.subarray(j * C.rows, (j + 1) * C.rows));
    for (let pass = 0; pass < 2; pass++) {
      for (const u of q) {
        const dot = u.reduce((s, x, i) => s + x * v[i], 0);
        for (let i = 0; i < v.length; i++) v[i] -= dot * u[i];
      }
    }
    const norm = Math.hypot(...v);
    q.push(v.map((x) => x / norm));
  }
  return q;
}

/** Reference φ(i, j) = ‖Q_iᵀQ_j‖²_F / r. */
function phiReference(Ci: Matrix, Cj: Matrix): number {
  const [qi, qj] = [gramSchmidt(Ci), gramSchmidt(Cj)];
  let s = 0;
  for (const u of qi) for (const v of qj) s += u.reduce((t, x, i) => t + x * v[i], 0) ** 2;
  return s / Ci.cols;
}

/**
 * L layers of square d×d W0 whose Θ_A, Θ_B are built from `shared` columns common to every layer
 * and r − shared columns of the layer's own (shared = r: CondLoRA; 0: unrelated layers).
 */
async function planted(rng: Rng, d: number, r: number, L: number, sharedA: number, sharedB: number) {
  const commonA = gauss(rng, d, r);
  const commonB = gauss(rng, d, r);
  const mix = (common: Matrix, shared: number): Matrix => {
    const own = gauss(rng, d, r);
    const data = own.data.slice();
    data.set(common.data.subarray(0, d * shared));
    return { rows: d, cols: r, data };
  };
  const layers = [];
  for (let l = 0; l < L; l++) {
    const { W0, Wc } = randomW0(rng, d, d);
    const thetaA = mix(commonA, sharedA);
    const thetaB = mix(commonB, sharedB);
    const f = condLoraFactors(Wc, thetaA, thetaB);
    layers.push({ Wc, f, conversion: await convert(rng, W0, f) });
  }
  const names = layers.map((_, l) => `layers.${l}.q`);
  return {
    layers,
    group: condLoraGroup(
      names,
      layers.map((l) => l.conversion),
    ),
  };
}

test('conversion matrices are the paper’s W0⁻¹·B and W0⁻¹·Aᵀ (square W0), equal to a Gauss–Jordan reference', async () => {
  const rng = Rng.fresh();
  const [d, r] = [20, 3];
  const { W0, Wc } = randomW0(rng, d, d);
  const f: RawFactors = { B: gauss(rng, d, r), At: gauss(rng, d, r) };
  const c = await convert(rng, W0, f);
  assert.equal(c.method, 'qr');
  assert.equal(c.aForm, 'paper');
  for (const [got, want] of [
    [c.CB, solveReference(Wc, f.B)],
    [c.CA, solveReference(Wc, f.At)],
  ] as const) {
    const size = Math.max(...want.data.map(Math.abs));
    for (let i = 0; i < want.data.length; i++) assert.ok(Math.abs(got.data[i] - want.data[i]) < 1e-9 * size, `${got.data[i]} vs ${want.data[i]} ${rng.tag}`);
  }
  assert.ok(c.residualA < 1e-10 && c.residualB < 1e-10, `${c.residualA} ${c.residualB} ${rng.tag}`);
});

test('a non-square W0 takes the transposed form for A (W0ᵀ·C_A = Aᵀ) and says so', async () => {
  const rng = Rng.fresh();
  const [m, n, r] = [30, 20, 4];
  const { W0, Wc } = randomW0(rng, m, n);
  const f: RawFactors = { B: multiply(Wc, gauss(rng, n, r)), At: gauss(rng, n, r) };
  const c = await convert(rng, W0, f);
  assert.equal(c.aForm, 'transposed');
  assert.deepEqual([c.CB.rows, c.CA.rows], [n, m]);
  // B lies in W0's column space and W0ᵀ (n×m) is onto: both residuals vanish.
  assert.ok(c.residualB < 1e-10 && c.residualA < 1e-10, `${c.residualA} ${c.residualB} ${rng.tag}`);
  const back = multiply(transpose(Wc), c.CA);
  for (let i = 0; i < back.data.length; i++) assert.ok(Math.abs(back.data[i] - f.At.data[i]) < 1e-9, rng.tag);
});

test('CondLoRA-made layers (one Θ_A, Θ_B for all): φ = 1 for A and B, shared-fit errors ≈ 0', async () => {
  const rng = Rng.fresh();
  const [d, r] = [24, 4];
  const { group } = await planted(rng, d, r, 6, r, r);
  for (const p of [group.phiA, group.phiB]) {
    assert.ok(Math.abs(p.mean - 1) < 1e-9, `${p.mean} ${rng.tag}`);
    assert.ok(Math.abs(p.random - r / d) < 1e-15);
    for (const x of p.map.data) assert.ok(Math.abs(x - 1) < 1e-9, `${x} ${rng.tag}`);
  }
  for (const e of group.sharedFit.relativeErrors) assert.ok(e < 1e-9, `${e} ${rng.tag}`);
});

test('partly shared (half of Θ’s columns common): φ between the baseline and 1, equal to the reference', async () => {
  const rng = Rng.fresh();
  const [d, r, L] = [24, 4, 5];
  const { layers, group } = await planted(rng, d, r, L, 2, 2);
  for (const [p, pick] of [
    [group.phiA, (l: (typeof layers)[number]) => l.conversion.CA],
    [group.phiB, (l: (typeof layers)[number]) => l.conversion.CB],
  ] as const) {
    // Two of four directions shared: φ ≥ 1/2; the other two add only what chance gives.
    assert.ok(p.mean > 0.45 && p.mean < 0.8, `${p.mean} ${rng.tag}`);
    for (let i = 0; i < L; i++) {
      for (let j = i + 1; j < L; j++) {
        const want = phiReference(pick(layers[i]), pick(layers[j]));
        assert.ok(Math.abs(p.map.data[j * L + i] - want) < 1e-10, `φ(${i}, ${j}) ${p.map.data[j * L + i]} vs ${want} ${rng.tag}`);
      }
    }
  }
  for (const e of group.sharedFit.relativeErrors) assert.ok(e > 0.2 && e < 0.9, `${e} ${rng.tag}`);
});

test('unrelated layers: φ at the random-subspace baseline r/d; only B shared: φ_B = 1 and φ_A at chance', async () => {
  const rng = Rng.fresh();
  const [d, r, L] = [48, 4, 8];
  const random = await planted(rng, d, r, L, 0, 0);
  for (const p of [random.group.phiA, random.group.phiB]) {
    // E[φ] = r/d = 0.083; 28 pairs, each φ's sd ≈ 0.05: a 5σ band is ±0.05.
    assert.ok(Math.abs(p.mean - r / d) < 0.05, `${p.mean} vs ${r / d} ${rng.tag}`);
  }
  // Unrelated conversions sit √(1 − 1/L) from their mean in expectation.
  for (const e of random.group.sharedFit.relativeErrorsA) assert.ok(e > 0.7 && e < 1.1, `${e} ${rng.tag}`);
  const onlyB = await planted(rng, d, r, L, 0, r);
  assert.ok(Math.abs(onlyB.group.phiB.mean - 1) < 1e-9, `${onlyB.group.phiB.mean} ${rng.tag}`);
  assert.ok(Math.abs(onlyB.group.phiA.mean - r / d) < 0.05, `${onlyB.group.phiA.mean} ${rng.tag}`);
  for (const e of onlyB.group.sharedFit.relativeErrorsB) assert.ok(e < 1e-9, `${e} ${rng.tag}`);
});

test('φ does not move under each layer’s own (B·R, R⁻¹·A), nor under a scale', async () => {
  const rng = Rng.fresh();
  const [d, r, L] = [20, 3, 4];
  const { layers, group } = await planted(rng, d, r, L, 1, 2);
  const moved = [];
  for (const l of layers) {
    const R = gauss(rng, r, r);
    const Rinvt = transpose(solveReference(R, { rows: r, cols: r, data: Float64Array.from({ length: r * r }, (_, i) => (i % (r + 1) === 0 ? 1 : 0)) }));
    const B = multiply(l.f.B, R);
    const At = multiply(l.f.At, Rinvt);
    B.data.forEach((x, i) => (B.data[i] = 3 * x));
    moved.push(await convert(rng, { rows: d, cols: d, values: rowMajor(l.Wc) }, { B, At }));
  }
  const after = condLoraGroup(
    layers.map((_, i) => String(i)),
    moved,
  );
  for (let i = 0; i < L * L; i++) {
    assert.ok(Math.abs(after.phiA.map.data[i] - group.phiA.map.data[i]) < 1e-8, rng.tag);
    assert.ok(Math.abs(after.phiB.map.data[i] - group.phiB.map.data[i]) < 1e-8, rng.tag);
  }
});

test('past EXACT_LIMIT the truncated inverse is reported with its residual ‖(I − U_K·U_Kᵀ)·B‖/‖B‖', async () => {
  const rng = Rng.fresh();
  const [m, n, K, r] = [1040, 1020, 6, 2];
  assert.ok(m * n > EXACT_LIMIT);
  const U0 = orthonormal(rng, m, K);
  const V0 = orthonormal(rng, n, K);
  const values = Float64Array.from({ length: K }, (_, i) => 5 - 0.5 * i);
  const scaled = { rows: m, cols: K, data: U0.data.map((x, idx) => x * values[Math.floor(idx / m)]) };
  const W0 = { rows: m, cols: n, values: rowMajor(multiply(scaled, transpose(V0))) };
  // B inside W0's K-dimensional column space: the truncated inverse reaches it exactly.
  const f: RawFactors = { B: multiply(U0, gauss(rng, K, r)), At: gauss(rng, n, r) };
  const top = await randomizedSvd(W0, engine, { k: K, gaussian: () => rng.gaussian() });
  const c = conversionMatrices(W0, top, f);
  assert.equal(c.method, 'truncated');
  assert.equal(c.aForm, 'transposed');
  assert.ok(c.residualB < 1e-9, `${c.residualB} ${rng.tag}`);
  // Aᵀ is Gaussian in R^1020: nearly all of it lies outside W0's 6-dimensional row space.
  assert.ok(c.residualA > 0.99 && c.residualA <= 1, `${c.residualA} ${rng.tag}`);
});

test('a singular W0 leaves its layer NaN (null in JSON) and the other layers’ φ and fit as they were', async () => {
  const rng = Rng.fresh();
  const [d, r, L] = [16, 3, 4];
  const { layers, group } = await planted(rng, d, r, L, r, r);
  const Wc = gauss(rng, d, d);
  // A zero first column: Householder's R then has an exact zero on its diagonal, and W0⁻¹ does not exist.
  Wc.data.fill(0, 0, d);
  const f = { B: gauss(rng, d, r), At: gauss(rng, d, r) };
  const bad = await convert(rng, { rows: d, cols: d, values: rowMajor(Wc) }, f);
  const all = [...layers.map((l) => l.conversion), bad];
  const after = condLoraGroup(
    all.map((_, i) => String(i)),
    all,
  );
  const n = L + 1;
  for (let i = 0; i < L; i++) for (let j = 0; j < L; j++) assert.ok(Math.abs(after.phiA.map.data[j * n + i] - group.phiA.map.data[j * L + i]) < 1e-12, rng.tag);
  assert.ok(!bad.CB.data.every(Number.isFinite), 'the solve met the zero pivot');
  for (let i = 0; i < L; i++) assert.ok(Number.isNaN(after.phiB.map.data[L * n + i]), rng.tag);
  assert.ok(Number.isNaN(after.sharedFit.relativeErrors[L]), rng.tag);
  for (let l = 0; l < L; l++) assert.ok(after.sharedFit.relativeErrors[l] < 1e-9, `${after.sharedFit.relativeErrors[l]} ${rng.tag}`);
  assert.ok(Math.abs(after.phiB.mean - 1) < 1e-9, `${after.phiB.mean} ${rng.tag}`);
});
