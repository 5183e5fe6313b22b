import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { columnFormat, columnScale, OUTLIER_Z } from '../../../webview/model/columnFormat';
import { Rng } from '../../helpers/random';

/** Decimals after the point of a fixed-form text ('' for none). */
function decimalsOf(text: string): number {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

test('a real column shows every value with the same decimals and at least four significant digits', () => {
  for (let trial = 0; trial < 50; trial++) {
    const rng = Rng.fresh();
    // Values within up to three decades of each other, at a random magnitude below 1e6.
    const span = 10 ** rng.uniform(0, 3);
    const base = 10 ** rng.uniform(-2.5, 5.9 - Math.log10(span));
    const values = Array.from({ length: rng.int(2, 40) }, () => base * (1 + rng.next() * (span - 1)) * (rng.next() < 0.2 ? -1 : 1));
    const format = columnFormat(values, 'real');
    const texts = values.map((v) => format.text(v));
    assert.ok(format.decimals !== null, `fixed form expected for span ${span} ${rng.tag}`);
    for (const [i, text] of texts.entries()) {
      assert.equal(decimalsOf(text), format.decimals, `'${text}' has other decimals than ${format.decimals} ${rng.tag}`);
      const shown = Number(text);
      assert.ok(Math.abs(shown - values[i]) <= 5e-4 * Math.abs(values[i]), `'${text}' vs ${values[i]} ${rng.tag}`);
    }
  }
});

test('a column spanning many decades, or very large, shows the same exponent form on every row', () => {
  for (let trial = 0; trial < 40; trial++) {
    const rng = Rng.fresh();
    const values = Array.from({ length: rng.int(3, 30) }, () => 10 ** rng.uniform(-9, 9));
    values.push(1e-8, 1e8);
    const format = columnFormat(values, 'real');
    assert.equal(format.decimals, null, rng.tag);
    for (const v of values) {
      const text = format.text(v);
      assert.match(text, /^-?\d\.\d{3}e-?\d+$/, `${text} ${rng.tag}`);
      assert.ok(Math.abs(Number(text) - v) <= 5e-4 * v, `${text} vs ${v} ${rng.tag}`);
    }
  }
});

test('integers stay integers, shares stay percentages, and unknown values show a dash', () => {
  const ints = columnFormat([1, 12, 1024, null], 'real');
  assert.deepEqual([1, 12, 1024].map(ints.text), ['1', '12', '1,024']);
  assert.equal(ints.text(null), '—');
  assert.equal(columnFormat([0.5, 0.123], 'percent').text(0.123), '12.3%');
  const real = columnFormat([0.5, 2.25, Infinity, NaN], 'real');
  assert.equal(real.text(Infinity), '∞');
  assert.equal(real.text(NaN), '—');
  assert.equal(real.text(2.25), '2.2500');
  assert.equal(columnFormat([null, null], 'real').text(null), '—');
});

test('bars are shares of the largest magnitude, and only far-off values are outliers', () => {
  let flaggedInliers = 0;
  let total = 0;
  for (let trial = 0; trial < 40; trial++) {
    const rng = Rng.fresh();
    const values = Array.from({ length: rng.int(20, 200) }, () => 10 + rng.gaussian());
    const far = 10 + 20 * (rng.next() < 0.5 ? -1 : 1) * (1 + rng.next());
    const scale = columnScale([...values, far, null]);
    const largest = Math.max(...values.map(Math.abs), Math.abs(far));
    for (const v of values) {
      const share = scale.share(v);
      assert.ok(share !== null && Math.abs(share - Math.abs(v) / largest) <= 1e-12 && share <= 1, rng.tag);
      total++;
      if (scale.outlier(v)) flaggedInliers++;
    }
    assert.ok(scale.outlier(far), `a value 20σ off is an outlier (z > ${OUTLIER_Z}) ${rng.tag}`);
    assert.equal(scale.share(null), null);
    assert.equal(scale.outlier(null), false);
  }
  // Gaussian values beyond 3.5 robust σ: about 5 in 10,000; allow a wide margin.
  assert.ok(flaggedInliers / total < 0.01, `${flaggedInliers} of ${total} normal values flagged`);
});
