import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { TallFactor } from '../../../src/core/compute/backend';
import { columnBlocks } from '../../../src/core/compute/onnx/blockGramGraphs';
import { blockGram } from '../../../src/core/compute/ort/ortGram';
import { OrtSessions } from '../../../src/core/compute/ort/runtime';
import { Rng } from '../../helpers/random';

/**
 * The upper-block-triangle Gram on onnxruntime (ortGram.ts) against a float64 reference: every
 * entry within 1e-12·‖t_i‖·‖t_j‖ (float64 inner products of these lengths are within ~1e-14),
 * for both stored layouts, both precisions, ranks that split into uneven blocks, more blocks
 * than the cap allows, and tall factors long enough to take several row chunks. A misplaced,
 * unmirrored or missing block, or a dropped chunk, is off by O(1).
 */

const SHAPES = [
  { d: 300, r: 1 },
  { d: 2000, r: 3 },
  { d: 4096, r: 16 },
  { d: 1500, r: 17 },
  { d: 4500, r: 64 },
  { d: 3000, r: 33 },
  { d: 30000, r: 5 },
  { d: 700, r: 130 },
];

/** T (d×r) with columns of sizes spread over 1e4, as float64 values that float32 holds exactly. */
function factor(rng: Rng, d: number, r: number): Float64Array {
  const scale = Array.from({ length: r }, () => 10 ** (-4 * rng.next()));
  const T = new Float64Array(d * r);
  for (let i = 0; i < d; i++) for (let j = 0; j < r; j++) T[i * r + j] = Math.fround(rng.gaussian() * scale[j]);
  return T;
}

/** TᵀT, row-major, from row-major T, by plain float64 dot products. */
function referenceGram(T: Float64Array, d: number, r: number): Float64Array {
  const G = new Float64Array(r * r);
  for (let i = 0; i < r; i++)
    for (let j = 0; j < r; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += T[k * r + i] * T[k * r + j];
      G[i * r + j] = s;
    }
  return G;
}

/** T stored as `layout` in `precision`: tall is T row-major, wide is Tᵀ row-major. */
function stored(T: Float64Array, d: number, r: number, layout: 'tall' | 'wide', precision: 'float32' | 'float64'): TallFactor {
  const values = precision === 'float32' ? new Float32Array(d * r) : new Float64Array(d * r);
  for (let i = 0; i < d; i++) for (let j = 0; j < r; j++) values[layout === 'tall' ? i * r + j : j * d + i] = T[i * r + j];
  return { rows: d, cols: r, layout, values };
}

test('columnBlocks covers every column in at most the allowed number of near-equal blocks', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 200; trial++) {
    const r = 1 + Math.floor(rng.next() * 300);
    const width = 1 + Math.floor(rng.next() * 40);
    const most = 1 + Math.floor(rng.next() * 10);
    const sizes = columnBlocks(r, width, most);
    const message = `r ${r} width ${width} most ${most}: ${sizes.join(',')} ${rng.tag}`;
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      r,
      message,
    );
    assert.ok(sizes.length <= most && sizes.length >= 1, message);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= Math.ceil(r / sizes.length), message);
    assert.ok(
      sizes.every((c) => c > 0),
      message,
    );
  }
});

test('the block Gram matches the float64 Gram for both layouts and precisions', async () => {
  const rng = Rng.fresh();
  const sessions = new OrtSessions('cpu', 1);
  try {
    for (const { d, r } of SHAPES) {
      const T = factor(rng, d, r);
      const want = referenceGram(T, d, r);
      for (const layout of ['tall', 'wide'] as const)
        for (const precision of ['float32', 'float64'] as const) {
          const got = await blockGram(sessions, stored(T, d, r, layout, precision));
          let worst = 0;
          for (let i = 0; i < r; i++)
            for (let j = 0; j < r; j++) {
              const scale = Math.sqrt(want[i * r + i] * want[j * r + j]);
              worst = Math.max(worst, Math.abs(got[i * r + j] - want[i * r + j]) / scale);
            }
          assert.ok(worst < 1e-12, `${layout} ${precision} d ${d} r ${r}: worst scaled error ${worst.toExponential(2)} ${rng.tag}`);
        }
    }
  } finally {
    await sessions.dispose();
  }
});

/** Worst entry error of G against the reference, scaled by the columns' lengths. */
function worstScaled(got: Float64Array, want: Float64Array, r: number): number {
  let worst = 0;
  for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) worst = Math.max(worst, Math.abs(got[i * r + j] - want[i * r + j]) / Math.sqrt(want[i * r + i] * want[j * r + j]));
  return worst;
}

test('many distinct ranks keep the session cache bounded and every Gram exact', async () => {
  // A dynamic-rank adapter: a block-Gram graph per rank and layout. Without a bound the cache
  // grows by two sessions per rank; runs overlap so eviction meets sessions that are running.
  const rng = Rng.fresh();
  const limit = 5;
  const sessions = new OrtSessions('cpu', 1, limit);
  try {
    const ranks = Array.from({ length: 40 }, (_, i) => 1 + i + Math.floor(rng.next() * 3) * 40);
    for (let at = 0; at < ranks.length; at += 4) {
      await Promise.all(
        ranks.slice(at, at + 4).map(async (r) => {
          const d = 20 + Math.floor(rng.next() * 200);
          const T = factor(rng, d, r);
          const want = referenceGram(T, d, r);
          for (const layout of ['tall', 'wide'] as const) {
            const worst = worstScaled(await blockGram(sessions, stored(T, d, r, layout, 'float32')), want, r);
            assert.ok(worst < 1e-12, `${layout} d ${d} r ${r}: worst scaled error ${worst.toExponential(2)} ${rng.tag}`);
          }
        }),
      );
      assert.ok(sessions.size <= limit, `${sessions.size} sessions cached, limit ${limit} ${rng.tag}`);
    }
  } finally {
    await sessions.dispose();
  }
  assert.equal(sessions.size, 0);
});

test('a rank per module makes no session per rank: ranks outside the common ones share one Gram graph', async () => {
  const rng = Rng.fresh();
  const sessions = new OrtSessions('cpu', 1, 1000);
  try {
    const top = rng.int(60, 90);
    for (let r = 1; r <= top; r++) {
      const d = rng.int(r, r + 40);
      const T = factor(rng, d, r);
      const want = referenceGram(T, d, r);
      for (const layout of ['tall', 'wide'] as const) {
        const worst = worstScaled(await blockGram(sessions, stored(T, d, r, layout, 'float32')), want, r);
        assert.ok(worst < 1e-12, `${layout} d ${d} r ${r}: worst scaled error ${worst.toExponential(2)} ${rng.tag}`);
      }
    }
    // Block graphs for the common ranks up to `top` (4, 8, 16, 32, 64), per layout, and the
    // generic graph per layout; a session per rank would be 2·top.
    assert.ok(sessions.size <= 2 * 7 + 2, `${sessions.size} sessions for ranks 1…${top} ${rng.tag}`);
  } finally {
    await sessions.dispose();
  }
});
