import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { Rng } from '../../helpers/random';
import { formatLogTick, logTicks } from '../../../webview/model/logTicks';

/** Whether v is 1, 2 or 5 × 10ᵏ, judged by relative error against the float64 power. */
function mantissaOf(v: number): number {
  const k = Math.floor(Math.log10(v) + 1e-9);
  return v / 10 ** k;
}

test('log ticks are 1, 2, 5 × 10ᵏ inside the domain, increasing, and at least the spacing apart', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 200; trial++) {
    const low = rng.uniform(-20, 6);
    const min = 10 ** low;
    const max = 10 ** (low + rng.uniform(0.3, 12));
    const pixels = rng.uniform(60, 400);
    const ticks = logTicks(min, max, pixels);
    const where = `seed ${rng.seed}, trial ${trial}: [${min}, ${max}] over ${pixels} px → ${ticks.join(', ')}`;
    assert.ok(ticks.length >= 2, where);
    for (let i = 0; i < ticks.length; i++) {
      assert.ok(ticks[i] >= min * (1 - 1e-12) && ticks[i] <= max * (1 + 1e-12), where);
      if (ticks.length > 2 || (ticks[0] !== min && ticks[1] !== max)) {
        const m = mantissaOf(ticks[i]);
        assert.ok(
          [1, 2, 5, 10].some((c) => Math.abs(m - c) / c < 1e-12),
          `${where}: mantissa ${m}`,
        );
      }
      if (i > 0) {
        const gap = (Math.log10(ticks[i] / ticks[i - 1]) / Math.log10(max / min)) * pixels;
        assert.ok(gap >= 16 - 1e-9, `${where}: ticks ${i - 1} and ${i} only ${gap} px apart`);
      }
    }
  }
});

test('a tall axis gets 2 and 5 between decades; a short one only decades, then every few', () => {
  assert.deepEqual(logTicks(1e-3, 1, 300), [1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1]);
  assert.deepEqual(logTicks(1e-3, 1, 100), [1e-3, 0.01, 0.1, 1]);
  assert.deepEqual(logTicks(1e-12, 1, 100), [1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2, 1]);
  assert.deepEqual(logTicks(3, 4, 100), [3, 4], 'no 1, 2 or 5 inside: the ends');
  assert.deepEqual(logTicks(0, 1, 100), []);
});

test('labels are plain decimals near 1 and m×10ᵏ far from it, with no 1× and no e-notation', () => {
  const cases: [number, string][] = [
    [1, '1'],
    [0.05, '0.05'],
    [0.01, '0.01'],
    [200, '200'],
    [5000, '5000'],
    [1e-3, '0.001'],
    [5e-3, '0.005'],
    [1e-4, '10⁻⁴'],
    [2e-7, '2×10⁻⁷'],
    [5e4, '5×10⁴'],
    [1e12, '10¹²'],
    [9.996e-5, '10⁻⁴'],
  ];
  for (const [value, text] of cases) assert.equal(formatLogTick(value), text, String(value));
  const rng = Rng.fresh();
  for (let trial = 0; trial < 100; trial++) {
    const k = rng.int(-30, 30);
    const m = [1, 2, 5][rng.int(0, 2)];
    const label = formatLogTick(Number(`${m}e${k}`));
    assert.ok(!/e|\.\d*0$/.test(label), `seed ${rng.seed}: ${m}e${k} → ${label}`);
    // The label reads back as the value it stands for.
    const back =
      label.includes('10') && /[⁰¹²³⁴⁵⁶⁷⁸⁹]/.test(label)
        ? (label.includes('×') ? Number(label.split('×')[0]) : 1) *
          10 ** Number(label.replace(/.*10/, '').replace(/[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]/g, (c) => '-0123456789'['⁻⁰¹²³⁴⁵⁶⁷⁸⁹'.indexOf(c)]))
        : Number(label);
    const expected = Number(`${m}e${k}`);
    assert.ok(Math.abs(back - expected) / expected < 1e-12, `seed ${rng.seed}: ${m}e${k} → ${label} → ${back}`);
  }
});
