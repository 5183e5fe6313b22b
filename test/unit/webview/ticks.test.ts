import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { gridValues, logTicks, thinPositions } from '../../../webview/charts/ticks';
import { Rng } from '../../helpers/random';

test('thinned positions are a gap apart, and every one left out is too close to the one kept before it', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 200; trial++) {
    let x = rng.uniform(0, 50);
    const positions = Array.from({ length: rng.int(0, 300) }, () => (x += rng.uniform(0.5, 30)));
    const gap = rng.uniform(1, 40);
    const kept = thinPositions(positions, gap);
    const where = `trial ${trial} gap ${gap} ${rng.tag}`;
    if (positions.length > 0) assert.equal(kept[0], 0, where);
    for (let i = 1; i < kept.length; i++) assert.ok(positions[kept[i]] - positions[kept[i - 1]] >= gap, where);
    let k = 0;
    for (let i = 0; i < positions.length; i++) {
      if (kept[k] === i) {
        k++;
        continue;
      }
      assert.ok(positions[i] - positions[kept[k - 1]] < gap, `${where}: position ${i} was free to keep`);
    }
  }
});

/** Mantissa and exponent of a tick; the mantissa is exact to float rounding. */
function split(v: number): { m: number; k: number } {
  const k = Math.floor(Math.log10(v) + 1e-9);
  return { m: v / 10 ** k, k };
}

test('log ticks are 1, 2, 5 × 10ᵏ inside the range, powers of ten alone over many decades, never fewer than two over a factor of three', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 500; trial++) {
    const lo = 10 ** rng.uniform(-12, 6);
    const hi = lo * 10 ** rng.uniform(0.5, 14);
    const ticks = logTicks(lo, hi);
    const where = `[${lo}, ${hi}] → ${ticks.join(' ')} ${rng.tag}`;
    assert.ok(ticks.length >= 2, where);
    assert.ok(ticks.length <= 10, where);
    const decades = Math.log10(hi / lo);
    for (let i = 0; i < ticks.length; i++) {
      const v = ticks[i];
      assert.ok(v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9), where);
      if (i > 0) assert.ok(v > ticks[i - 1], where);
      const { m } = split(v);
      const nearest = Math.round(m);
      assert.ok(Math.abs(m - nearest) / nearest < 1e-9, `${v} is not a whole multiple of its power: ${where}`);
      const allowed = decades < 1 ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : ticks.some((t) => Math.abs(split(t).m - 2) < 1e-9) ? [1, 2, 5] : [1];
      assert.ok(allowed.includes(nearest), `${v}: ${where}`);
    }
  }
  assert.deepEqual(logTicks(1e-3, 1e2), [0.001, 0.01, 0.1, 1, 10, 100]);
  assert.deepEqual(logTicks(1, 100), [1, 2, 5, 10, 20, 50, 100]);
  assert.deepEqual(logTicks(0, 10), []);
});

test('small-multiple gridlines are powers of ten inside the axis, at most four, always 1 at the top', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 300; trial++) {
    const lo = 10 ** rng.uniform(-16, -1);
    const values = gridValues([lo, 1]);
    const where = `[${lo}, 1] → ${values.join(' ')} ${rng.tag}`;
    assert.ok(values.length >= 1 && values.length <= 4, where);
    assert.equal(values[values.length - 1], 1, where);
    for (const v of values) {
      assert.ok(v >= lo * (1 - 1e-9) && v <= 1, where);
      assert.ok(Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9, where);
    }
  }
});
