import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { containerOf } from '../../../src/core/container/open';
import { PickleError } from '../../../src/core/pickle/errors';
import { unpickle } from '../../../src/core/pickle/unpickle';
import type { PyValue } from '../../../src/core/pickle/values';

const run = (...bytes: number[]): PyValue =>
  unpickle(Uint8Array.from(bytes), 0, 'test.pkl', () => {
    throw new Error('no persistent ids here');
  }).value;
const text = (s: string): number[] => Array.from(new TextEncoder().encode(s));

test('plain values decode as CPython pickles them (Lib/pickletools.py encodings)', () => {
  // Python 2's str (SHORT_BINSTRING, BINSTRING), as old legacy checkpoints' keys are.
  assert.equal(run(0x80, 2, 0x55, 3, ...text('abc'), 0x2e), 'abc');
  assert.equal(run(0x80, 2, 0x54, 2, 0, 0, 0, ...text('hi'), 0x2e), 'hi');
  // LONG1 of -2 (0xfe) and of 2**63 (9 bytes), BININT of -1, BINFLOAT of 1.5 (big-endian).
  assert.equal(run(0x80, 2, 0x8a, 1, 0xfe, 0x2e), -2);
  assert.equal(run(0x80, 2, 0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0x2e), 2n ** 63n);
  assert.equal(run(0x80, 2, 0x4a, 0xff, 0xff, 0xff, 0xff, 0x2e), -1);
  assert.equal(run(0x80, 2, 0x47, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0x2e), 1.5);
  // Protocol 4 framing with MEMOIZE and SHORT_BINUNICODE.
  assert.equal(run(0x80, 4, 0x95, 5, 0, 0, 0, 0, 0, 0, 0, 0x8c, 1, ...text('x'), 0x94, 0x2e), 'x');
});

test('a pickle that ends early or leaves the stack unbalanced is MALFORMED_PICKLE, typed', () => {
  for (const bytes of [
    [0x80, 2, 0x58, 9, 0, 0, 0, 0x61],
    [0x80, 2, 0x4e, 0x4e, 0x2e],
    [0x80, 2, 0x28, 0x4e, 0x2e],
    [0x80, 2, 0x61, 0x2e],
  ]) {
    assert.throws(
      () => run(...bytes),
      (e: unknown) => e instanceof PickleError && e.code === 'MALFORMED_PICKLE',
      String(bytes),
    );
  }
  assert.throws(
    () => run(0x80, 1, 0x2e),
    (e: unknown) => e instanceof PickleError && e.code === 'UNSUPPORTED',
  );
});

test('the container is told from the first bytes: a safetensors header length that looks like PROTO is still safetensors', () => {
  const head = (...bytes: number[]): Uint8Array => Uint8Array.from([...bytes, ...new Array<number>(16).fill(0)].slice(0, 16));
  // Header length 0x0280 (640 bytes), then '{': a safetensors file.
  assert.equal(containerOf(head(0x80, 0x02, 0, 0, 0, 0, 0, 0, 0x7b)), 'safetensors');
  assert.equal(containerOf(head(0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc)), 'pytorch-legacy');
  assert.equal(containerOf(head(0x80, 0x04, 0x95, 0x0e, 0, 0, 0, 0, 0, 0, 0, 0x8a, 0x0a)), 'pytorch-legacy');
  assert.equal(containerOf(head(0x50, 0x4b, 0x03, 0x04, 0, 0, 0x08, 0x08, 0)), 'pytorch-zip');
  // Header length 0x04034b50 (67 MB), then '{'.
  assert.equal(containerOf(head(0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 0x7b)), 'safetensors');
});
