import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { formatBytes, formatNumber, formatPercent, formatShape } from '../../../webview/model/format';
import { jsonSummary, jsonText, oneLine } from '../../../webview/model/jsonText';

test('numbers switch to exponent form outside [1e-3, 1e5) and show missing values as a dash', () => {
  assert.equal(formatNumber(1.23456), '1.235');
  assert.equal(formatNumber(2), '2');
  assert.equal(formatNumber(0), '0');
  assert.equal(formatNumber(123456), '1.235e+5');
  assert.equal(formatNumber(0.000123), '1.23e-4');
  assert.equal(formatNumber(-0.5), '−0.5');
  assert.equal(formatNumber(null), '—');
  assert.equal(formatNumber(Number.NaN), '—');
  assert.equal(formatNumber(Number.POSITIVE_INFINITY), '∞');
  assert.equal(formatPercent(0.4567), '45.7%');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(2048), '2.0 KiB');
  assert.equal(formatBytes(3 * 1024 * 1024), '3.0 MiB');
  assert.equal(formatShape([]), 'scalar');
  assert.equal(formatShape([4, 768]), '4×768');
});

test('JSON values are pretty-printed, summarized, and cut to a limit', () => {
  assert.equal(jsonText({ a: [1, 2] }), '{\n  "a": [\n    1,\n    2\n  ]\n}');
  assert.match(jsonText({ long: 'x'.repeat(100) }, 20), /^\{\n {2}"long": "x{7}\n… \(\d+ more characters\)$/);
  assert.equal(jsonSummary([1, 2, 3]), 'array of 3');
  assert.equal(jsonSummary({ a: 1, b: 2, c: 3, d: 4, e: 5 }), 'object with 5 keys: a, b, c, d, …');
  assert.equal(oneLine('a\n  b\tc', 10), 'a b c');
  assert.equal(oneLine('abcdefghijkl', 5), 'abcd…');
});
