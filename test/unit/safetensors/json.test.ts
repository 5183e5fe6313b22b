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
  assert.throws(
    () => parseStrictJson('{"a": {"b": 1, "b": 2}}'),
    (e: unknown) => e instanceof JsonSyntaxError && e.duplicate === 'b',
  );
  assert.throws(
    () => parseStrictJson('{"a\\u0062": 1, "ab": 2}'),
    (e: unknown) => e instanceof JsonSyntaxError && e.duplicate === 'ab',
  );
  const v = parseStrictJson('{"z": 1, "10": 2, "2": 3}');
  assert.ok(v instanceof Map);
  assert.deepEqual([...v.keys()], ['z', '10', '2']);
});

test('more documents refused by both: comments, non-finite numbers, bad escapes, non-JSON whitespace', () => {
  const bad = [
    '/* c */ {}',
    '{"a":1 // c\n}',
    'Infinity',
    '-Infinity',
    '[NaN]',
    '+1',
    '0x10',
    '1_000',
    '"\t"',
    '"\\u12"',
    '"\\u12g4"',
    '{"a" 1}',
    '[1 2]',
    '\u00a0{}',
    '{}\u000b',
    'truex',
    '-',
    '-a',
    '1e+',
    '00',
    '-01',
    '{"a":}',
    '{,}',
    '[,1]',
    '"\\',
    '"abc',
  ];
  for (const text of bad) {
    assert.throws(() => JSON.parse(text), SyntaxError, `JSON.parse should refuse ${JSON.stringify(text)}`);
    assert.throws(() => parseStrictJson(text), JsonSyntaxError, JSON.stringify(text));
  }
});

test('numbers and escapes decode exactly as JSON.parse decodes them', () => {
  const rng = Rng.fresh();
  const texts = [
    '-0',
    '0',
    '0.0',
    '-0.0e-0',
    '1E400',
    '-1e-400',
    '123456789012345',
    '1234567890123456',
    '12345678901234567890',
    '9007199254740993',
    '0.1',
    '5e-324',
    '"\\ud800"',
    '"\\udc00x\\ud83d\\ude00"',
    '"\\u0000\\/\\b\\f\\n\\r\\t\\"\\\\"',
    '"é字😀"',
  ];
  for (let i = 0; i < 300; i++) {
    const digits = Array.from({ length: rng.int(1, 22) }, (_, k) => rng.int(k === 0 ? 1 : 0, 9)).join('');
    const fraction = rng.int(0, 2) === 0 ? `.${rng.int(0, 99999)}` : '';
    const exponent = rng.int(0, 3) === 0 ? `e${['', '+', '-'][rng.int(0, 2)]}${rng.int(0, 330)}` : '';
    texts.push(`${rng.int(0, 1) === 0 ? '-' : ''}${digits}${fraction}${exponent}`);
  }
  for (const text of texts) {
    assert.ok(Object.is(parseStrictJson(text), JSON.parse(text)), `${text}: ${String(parseStrictJson(text))} vs ${String(JSON.parse(text))} ${rng.tag}`);
    assert.ok(Object.is((parseStrictJson(`[${text}]`) as JsonValue[])[0], JSON.parse(`[${text}]`)[0]), `[${text}] ${rng.tag}`);
  }
});

test('a duplicate carries the keys around it, so a header error can name the tensor', () => {
  assert.throws(
    () => parseStrictJson('{"t": {"a": [1, {"k": 1, "k": 2}]}}'),
    (e: unknown) => e instanceof JsonSyntaxError && e.duplicate === 'k' && e.path.join('/') === 't/a/[]',
  );
  assert.throws(
    () => parseStrictJson('{"x": {}, "y": {"dtype": 1, "dtype": 2}}'),
    (e: unknown) => e instanceof JsonSyntaxError && e.path.join('/') === 'y',
  );
  assert.throws(
    () => parseStrictJson('{"__proto__": 1, "__proto__": 2}'),
    (e: unknown) => e instanceof JsonSyntaxError && e.duplicate === '__proto__' && e.path.length === 0,
  );
  const v = parseStrictJson('{"__proto__": {"constructor": 1}, "toString": 2}');
  assert.ok(v instanceof Map);
  assert.deepEqual([...v.keys()], ['__proto__', 'toString']);
  assert.equal(Object.getPrototypeOf({}).constructor, Object, 'Object.prototype untouched');
});

test('deep nesting is refused instead of exhausting the stack', () => {
  assert.throws(
    () => parseStrictJson('['.repeat(100000) + ']'.repeat(100000)),
    (e: unknown) => e instanceof JsonSyntaxError && /too deep/.test(e.message),
  );
});
