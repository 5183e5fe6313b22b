import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { JsonSyntaxError, parseStrictJson, type JsonValue } from '../../../src/core/safetensors/json';
import { Rng } from '../../helpers/random';

/** Converts the parser's Maps back to plain values for comparison with JSON.parse. */
function plain(v: JsonValue): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, plain(x)]));
  return Array.isArray(v) ? v.map(plain) : v;
}

function randomValue(rng: Rng, depth: number): unknown {
  const kind = rng.int(0, depth > 3 ? 3 : 5);
  switch (kind) {
    case 0:
      return rng.int(0, 2) === 0 ? null : rng.next() < 0.5;
    case 1:
      return [rng.gaussian() * 1e6, -rng.int(0, 1e9), rng.next() * 1e-300, 0][rng.int(0, 3)];
    case 2:
    case 3:
      return Array.from({ length: rng.int(0, 12) }, () => String.fromCodePoint(rng.next() < 0.8 ? rng.int(32, 126) : rng.int(0, 0x10ffff) & 0xd7ff || 0x263a)).join('');
    case 4:
      return Array.from({ length: rng.int(0, 4) }, () => randomValue(rng, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = rng.int(0, 4); i > 0; i--) o[`k${rng.int(0, 1e6)}\n"\\`] = randomValue(rng, depth + 1);
      return o;
    }
  }
}

test('the strict parser agrees with JSON.parse on random documents', () => {
  const rng = Rng.fresh();
  for (let i = 0; i < 500; i++) {
    const text = JSON.stringify(randomValue(rng, 0), null, rng.int(0, 2));
    assert.deepEqual(plain(parseStrictJson(text)), JSON.parse(text), `${text} ${rng.tag}`);
  }
});

test('documents JSON.parse refuses are refused too', () => {
  for (const bad of ['', '{', '{"a":1,}', '[1,]', '{a:1}', "{'a':1}", 'NaN', '01', '1.', '.5', '1e', '"\\x"', '"a\u0001"', '{"a":1} x', '--1', 'tru', 'nul']) {
    assert.throws(() => JSON.parse(bad), SyntaxError, `JSON.parse should refuse ${bad}`);
    assert.throws(() => parseStrictJson(bad), JsonSyntaxError, bad);
  }
});

test('duplicate keys are reported at any depth; key order is kept, integer-like keys included', () => {
  assert.throws(() => parseStrictJson('{"a": {"b": 1, "b": 2}}'), (e: unknown) => e instanceof JsonSyntaxError && e.duplicate === 'b');
  assert.throws(() => parseStrictJson('{"a\\u0062": 1, "ab": 2}'), (e: unknown) => e instanceof JsonSyntaxError && e.duplicate === 'ab');
  const v = parseStrictJson('{"z": 1, "10": 2, "2": 3}');
  assert.ok(v instanceof Map);
  assert.deepEqual([...v.keys()], ['z', '10', '2']);
});

test('deep nesting is refused instead of exhausting the stack', () => {
  assert.throws(() => parseStrictJson('['.repeat(100000) + ']'.repeat(100000)), (e: unknown) => e instanceof JsonSyntaxError && /too deep/.test(e.message));
});
