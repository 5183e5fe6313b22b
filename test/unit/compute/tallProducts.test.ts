import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ComputeBackend, MappedFactor, TallFactor, TallProduct } from '../../../src/core/compute/backend';
import { WorkerOrtBackend } from '../../../src/core/compute/worker/workerOrtBackend';
import type { Matrix } from '../../../src/core/linalg/matrix';
import { backends } from '../../helpers/backends';
import { Rng } from '../../helpers/random';

/**
 * D·T on every backend with one tolerance table, against a reference summed exactly enough
 * (two-sum compensated, so its own error is ~ε·|C|). Any order of float64 accumulation of r
 * terms is within γ_r·(|D|·|T|)_ij ≈ r·ε·(|D|·|T|)_ij of the exact product (the standard
 * bound, whatever blocking or FMA the device uses), so each element is held to
 * `ulps`·r·ε·(|D|·|T|)_ij. Float32 factors are exact inputs (the reader's float32 holds stored
 * values exactly), so the bound is the same. Sizes are large enough that the ORT backend runs
 * its stacked products rather than its small-factor loops, and each batch mixes layouts,
 * precisions, heights and map widths so that stacks of several members and of one both run.
 */
interface Case {
  readonly name: string;
  readonly layout: 'tall' | 'wide';
  readonly precision: 'float32' | 'float64';
  /** Multiples of r·ε·(|D|·|T|)_ij allowed per element. */
  readonly ulps: number;
}

const TABLE: readonly Case[] = [
  { name: 'tall float32 (PEFT lora_B)', layout: 'tall', precision: 'float32', ulps: 1 },
  { name: 'wide float32 (PEFT lora_A)', layout: 'wide', precision: 'float32', ulps: 1 },
  { name: 'tall float64', layout: 'tall', precision: 'float64', ulps: 1 },
  { name: 'wide float64 (the float64 reader)', layout: 'wide', precision: 'float64', ulps: 1 },
];

function factor(rng: Rng, c: Case, d: number, r: number): TallFactor {
  const values = c.precision === 'float32' ? new Float32Array(d * r) : new Float64Array(d * r);
  // Entries of mixed magnitude, so cancellation in the sums is real.
  for (let i = 0; i < values.length; i++) values[i] = rng.gaussian() * Math.exp(2 * rng.gaussian());
  return { rows: d, cols: r, layout: c.layout, values };
}

function map(rng: Rng, r: number, k: number): Matrix {
  return { rows: r, cols: k, data: rng.gaussians(r * k) };
}

/** D[i, l] whatever the layout. */
const at = (f: TallFactor, i: number, l: number): number => (f.layout === 'tall' ? f.values[i * f.cols + l] : f.values[l * f.rows + i]);

/** Checks one product against the compensated reference and the γ_r bound; returns the worst ratio to it. */
function check(p: TallProduct, got: MappedFactor, c: Case, tag: string): number {
  const { factor: D, map: T } = p;
  const [d, r, k] = [D.rows, D.cols, T.cols];
  assert.equal(got.layout, D.layout, `layout ${tag}`);
  assert.equal(got.rows, d, `rows ${tag}`);
  assert.equal(got.cols, k, `cols ${tag}`);
  let worst = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < k; j++) {
      let sum = 0;
      let carry = 0;
      let magnitude = 0;
      for (let l = 0; l < r; l++) {
        const term = at(D, i, l) * T.data[j * r + l];
        const t = sum + term;
        carry += Math.abs(sum) >= Math.abs(term) ? sum - t + term : term - t + sum;
        sum = t;
        magnitude += Math.abs(term);
      }
      const want = sum + carry;
      const value = got.layout === 'tall' ? got.values[i * k + j] : got.values[j * d + i];
      const bound = c.ulps * r * Number.EPSILON * magnitude;
      const ratio = Math.abs(value - want) / bound;
      assert.ok(ratio <= 1, `element (${i}, ${j}): ${value} vs ${want} (error ${Math.abs(value - want).toExponential(2)} > ${bound.toExponential(2)}) ${tag}`);
      worst = Math.max(worst, ratio);
    }
  }
  return worst;
}

async function runTable(name: string, backend: ComputeBackend): Promise<void> {
  for (const c of TABLE) {
    const rng = Rng.fresh();
    const r = rng.int(12, 24);
    // Two of one shape and width (one stack of two), one taller, one of another width.
    const shapes = [
      [rng.int(600, 900), r, rng.int(1, r)],
      [0, 0, 0],
      [rng.int(1000, 1500), r, rng.int(1, r)],
      [0, 0, 0],
    ];
    shapes[1] = [...shapes[0]];
    shapes[3] = [shapes[0][0], r, Math.max(1, shapes[0][2] - 1)];
    const products = shapes.map(([d, rr, k]) => ({ factor: factor(rng, c, d, rr), map: map(rng, rr, k) }));
    // The backend may overwrite its inputs: keep copies for the reference.
    const kept = products.map((p) => ({ factor: { ...p.factor, values: p.factor.values.slice() }, map: p.map }));
    const got = await backend.tallProducts(products);
    assert.equal(got.length, products.length);
    got.forEach((g, i) => check(kept[i], g, c, `${name} backend, ${c.name}, product ${i} ${rng.tag}`));
  }
}

for (const { name, make } of backends()) {
  test(`${name} backend: D·T within r·ε·(|D|·|T|) of the exact product, every layout and precision`, async () => {
    const backend = make();
    try {
      await runTable(name, backend);
    } finally {
      await backend.dispose();
    }
  });
}

test('onnxruntime in its worker thread: the same table, results transferred back', async () => {
  const backend = new WorkerOrtBackend(join(__dirname, '..', '..', '..', 'src', 'core', 'compute', 'worker', 'ortWorker.js'), { device: 'cpu' });
  try {
    await runTable('worker onnxruntime', backend);
  } finally {
    await backend.dispose();
  }
});

test("a map whose height is not the factor's width is a RangeError on every backend", async () => {
  const rng = Rng.fresh();
  for (const { name, make } of backends()) {
    const backend = make();
    try {
      const bad: TallProduct = { factor: factor(rng, TABLE[0], 700, 8), map: map(rng, 9, 3) };
      await assert.rejects(backend.tallProducts([bad]), RangeError, name);
    } finally {
      await backend.dispose();
    }
  }
});
