import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { locateConfigKey, positionAt, type KeyLocation } from '../../../src/core/check/configLocation';

/** The text a location covers: the key literal and the value. */
function covered(text: string, found: KeyLocation | null): { key: string | null; value: string } | null {
  return found && { key: found.key ? text.slice(found.key.start, found.key.end) : null, value: text.slice(found.value.start, found.value.end) };
}

// Odd but valid formatting: CRLF, tabs, a value on the next line, braces and quotes inside strings,
// an `r` nested in another object and an `r` that is a string value, a dotted rank_pattern key.
const ODD = [
  '\ufeff{',
  '\t"note": "{\\"r\\": 1} [not, a, key]",',
  '  "nested" : { "r": 99, "list": [1, {"r": 3}] },',
  '  "label": "r",',
  '  "r"',
  '     :   16 ,',
  '  "lora_alpha":32,"target_modules" : [ "q_proj" ,',
  '    "v\\"x", "o_proj" ],',
  '  "rank_pattern": {"model.layers.0.self_attn.q_proj": 4, "k_proj" : 2}',
  '}',
].join('\r\n');

test('a top-level key is found with its value, whatever the spacing; nested and string look-alikes are not', () => {
  assert.deepEqual(covered(ODD, locateConfigKey(ODD, 'r')), { key: '"r"', value: '16' });
  assert.deepEqual(covered(ODD, locateConfigKey(ODD, 'lora_alpha')), { key: '"lora_alpha"', value: '32' });
  assert.deepEqual(covered(ODD, locateConfigKey(ODD, 'nested')), { key: '"nested"', value: '{ "r": 99, "list": [1, {"r": 3}] }' });
  assert.equal(locateConfigKey(ODD, 'list'), null);
  assert.equal(locateConfigKey(ODD, 'missing'), null);
});

test('field.entry keys: an array element by index, an object member by its whole (dotted) name', () => {
  assert.deepEqual(covered(ODD, locateConfigKey(ODD, 'target_modules.0')), { key: null, value: '"q_proj"' });
  assert.deepEqual(covered(ODD, locateConfigKey(ODD, 'target_modules.1')), { key: null, value: '"v\\"x"' });
  assert.deepEqual(covered(ODD, locateConfigKey(ODD, 'target_modules.2')), { key: null, value: '"o_proj"' });
  assert.equal(locateConfigKey(ODD, 'target_modules.3'), null);
  assert.deepEqual(covered(ODD, locateConfigKey(ODD, 'rank_pattern.model.layers.0.self_attn.q_proj')), { key: '"model.layers.0.self_attn.q_proj"', value: '4' });
  assert.deepEqual(covered(ODD, locateConfigKey(ODD, 'rank_pattern.k_proj')), { key: '"k_proj"', value: '2' });
  assert.equal(locateConfigKey(ODD, 'nested.r.x'), null);
  assert.equal(locateConfigKey(ODD, 'lora_alpha.0'), null);
});

test('positions count lines over CRLF and columns in UTF-16 units from the line start', () => {
  const found = locateConfigKey(ODD, 'r');
  assert.ok(found?.key);
  assert.deepEqual(positionAt(ODD, found.key.start), { line: 4, character: 2 });
  assert.deepEqual(positionAt(ODD, found.value.start), { line: 5, character: 9 });
  // The byte-order mark takes no column: `{` is the first character an editor shows.
  assert.deepEqual(positionAt(ODD, 1), { line: 0, character: 0 });
  assert.deepEqual(positionAt(ODD, 0), { line: 0, character: 0 });
  assert.deepEqual(positionAt(ODD, ODD.length + 10), positionAt(ODD, ODD.length));
});

test('text that is not a JSON object, or breaks off, gives no location and never throws', () => {
  for (const text of ['', '[]', '"r"', '{', '{"r"', '{"r":', '{"r": 1', '{"a": [1, 2', '{"a": "unterminated', '{"a" 1, "r": 2}', 'null']) {
    const found = locateConfigKey(text, 'r');
    if (text === '{"r": 1') assert.deepEqual(covered(text, found), { key: '"r"', value: '1' });
    else assert.equal(found, null, text);
  }
});

test('a deep or long config is scanned in bounded, linear work (no recursion)', () => {
  const deep = `{"a": ${'['.repeat(200_000)}${']'.repeat(200_000)}, "r": 4}`;
  assert.deepEqual(covered(deep, locateConfigKey(deep, 'r')), { key: '"r"', value: '4' });
  const long = `{"target_modules": [${Array.from({ length: 50_000 }, (_, i) => `"m${i}"`).join(',')}]}`;
  assert.deepEqual(covered(long, locateConfigKey(long, 'target_modules.49999')), { key: null, value: '"m49999"' });
});
