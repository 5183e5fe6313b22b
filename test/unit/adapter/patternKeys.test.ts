import { strict as assert } from 'node:assert';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { codePointsOf, compileKey, matchKey, MAX_KEY_LENGTH } from '../../../src/core/adapter/keyMatcher';
import { compilePatterns, MAX_PATTERN_KEYS, MAX_PATTERN_STEPS } from '../../../src/core/adapter/patterns';
import { corpusPath, removeDir, tempDir } from '../../helpers/fixtures';
import { withAnalysis } from '../../helpers/layoutCheck';
import { Rng } from '../../helpers/random';

/** rank_pattern / alpha_pattern keys come from a file: every match must end, and agree with PEFT's. */

const HOSTILE = ['([a-z_.0-9]+)+Z', '(.*.*)*X', '(a+)+'];

test('hostile pattern keys beside a real adapter are refused with a warning and the analysis completes', { timeout: 60_000 }, async () => {
  const dir = await tempDir();
  try {
    await copyFile(corpusPath('peft-tinygpt2', 'adapter_model.safetensors'), join(dir, 'adapter_model.safetensors'));
    const config = {
      peft_type: 'LORA',
      r: 4,
      lora_alpha: 1,
      fan_in_fan_out: true,
      rank_pattern: Object.fromEntries(HOSTILE.map((k) => [k, 2])),
      alpha_pattern: { 'attn.c_proj': 2, [HOSTILE[0]]: 3 },
    };
    await writeFile(join(dir, 'adapter_config.json'), JSON.stringify(config));
    await withAnalysis(join(dir, 'adapter_model.safetensors'), ({ adapter }, results) => {
      for (const key of HOSTILE) {
        assert.ok(
          adapter.warnings.some((w) => w.startsWith(`rank_pattern key ${JSON.stringify(key)} is not used`)),
          `no warning for ${key}: ${adapter.warnings.join(' | ')}`,
        );
      }
      assert.ok(adapter.warnings.some((w) => w.startsWith(`alpha_pattern key ${JSON.stringify(HOSTILE[0])} is not used`)));
      assert.equal(adapter.modules.length, 6);
      for (const m of adapter.modules) {
        const expected = m.name.endsWith('attn.c_proj') ? 2 / 4 : 1 / 4;
        assert.equal(m.scale, expected, `${m.name}: ${m.scaleRule}`);
        assert.equal(results.get(m.name)?.status, 'ok', m.name);
      }
    });
  } finally {
    await removeDir(dir);
  }
});

test('a config with 300k pattern keys beside a real adapter is analysed, the map ignored with a warning', { timeout: 60_000 }, async () => {
  const dir = await tempDir();
  try {
    await copyFile(corpusPath('peft-tinygpt2', 'adapter_model.safetensors'), join(dir, 'adapter_model.safetensors'));
    const rankPattern: Record<string, number> = {};
    for (let i = 0; i < 300_000; i++) rankPattern[`h.${i}.attn.(c_attn|c_proj)`] = 2;
    await writeFile(join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 4, lora_alpha: 1, fan_in_fan_out: true, rank_pattern: rankPattern }));
    await withAnalysis(join(dir, 'adapter_model.safetensors'), ({ adapter }, results) => {
      assert.ok(adapter.warnings.includes(`rank_pattern has more than ${MAX_PATTERN_KEYS} keys; it is ignored and every module keeps r`), adapter.warnings.join(' | '));
      assert.equal(adapter.modules.length, 6);
      for (const m of adapter.modules) {
        assert.equal(m.scale, 1 / 4, `${m.name}: ${m.scaleRule}`);
        assert.equal(results.get(m.name)?.status, 'ok', m.name);
      }
    });
  } finally {
    await removeDir(dir);
  }
});

test('refused key forms say why; supported ones compile', () => {
  const refused = [
    ...HOSTILE,
    '(ab)*',
    '(q|k){2}',
    'a**',
    'a{2}{3}',
    '(a)\\1',
    '(?=q)q_proj',
    '(?i)Q_PROJ',
    '(?P<n>q)',
    '\\bq_proj',
    '[]a]',
    '[a-',
    '(q_proj',
    'q_proj)',
    '*q',
    'a{99}',
    'x'.repeat(MAX_KEY_LENGTH + 1),
    '('.repeat(20) + 'a' + ')'.repeat(20),
  ];
  for (const key of refused) {
    const result = compileKey(key);
    assert.equal(result.ok, false, `${key} should be refused`);
    if (!result.ok) assert.ok(result.reason.length > 10, result.reason);
  }
  const accepted = [
    'q_proj',
    'model.layers.3.self_attn.q_proj',
    'layers\\.[0-9]+\\.mlp\\..*',
    '(q|k|v)_proj',
    'layers.\\d{1,2}.attn',
    '[^.]+_proj',
    '(model\\.)?h\\.1\\.attn',
    '^model\\..*q_proj$',
    '',
  ];
  for (const key of accepted) assert.equal(compileKey(key).ok, true, key);
});

const KEYS = [
  'q_proj',
  'v_proj',
  'self_attn.q_proj',
  'model.layers.3.self_attn.q_proj',
  'layers.1.self_attn.q_proj',
  'layers\\.[0-9]+\\.self_attn\\.(q|k)_proj',
  'layers.\\d+.mlp.down_proj',
  '.*\\.mlp\\..*',
  '.*_proj',
  '(q|k|v|o)_proj',
  '(?:gate|up)_proj',
  '[qkv]_proj',
  '[^.]+\\.c_attn',
  'h\\.[02468]\\.attn\\.c_(attn|proj)',
  'layers.1[0-9]?.self_attn.v_proj',
  'layers\\.\\d{1,2}\\.mlp\\.up_proj',
  '\\w+_proj',
  'attn',
  '^model\\.layers\\.0\\..*',
  'mlp\\.(down|up)_proj$',
  'lay.rs.2.*',
  '(model\\.)?layers\\.2\\.mlp\\.gate_proj',
  'a*b?c+',
  '[a-z_]+\\.[0-9]',
  '',
  'model.layers.3.mlp.up_proj',
  'model.layers.12.self_attn.v_proj',
  'h.1.attn.c_attn',
  'layers.1.mlp.c.proj',
  'layers\\.2\\.mlp\\.gate_proj',
  'q.proj',
];

/** Dotted module names from common parts, numbers and random runs, so that many keys match. */
function nameMaker(rng: Rng): () => string {
  const parts = [
    'model',
    'layers',
    'self_attn',
    'mlp',
    'q_proj',
    'k_proj',
    'v_proj',
    'o_proj',
    'gate_proj',
    'up_proj',
    'down_proj',
    'transformer',
    'h',
    'attn',
    'c_attn',
    'c_proj',
    'aab',
    'abcc',
    'c',
    'q',
    'proj',
  ];
  const alphabet = 'abcdefghijklmnopqrstuvwxyz_0123456789.';
  const randomPart = (): string => {
    const roll = rng.next();
    if (roll < 0.25) return String(rng.int(0, 31));
    if (roll < 0.85) return parts[rng.int(0, parts.length - 1)];
    return Array.from({ length: rng.int(0, 6) }, () => alphabet[rng.int(0, alphabet.length - 1)]).join('');
  };
  return () => Array.from({ length: rng.int(1, 7) }, randomPart).join('.');
}

test('the matcher agrees with a RegExp on random names and PEFT-style keys', () => {
  const rng = Rng.fresh();
  const makeName = nameMaker(rng);
  const compiled = KEYS.map((key) => {
    const c = compileKey(key);
    assert.ok(c.ok, key);
    return { key, nfa: c.key, regex: new RegExp(`^(?:.*\\.)?(?:${key})$`) };
  });
  let matches = 0;
  for (let i = 0; i < 600; i++) {
    const name = makeName();
    const points = codePointsOf(name);
    for (const { key, nfa, regex } of compiled) {
      const budget = { left: 1e6 };
      const got = matchKey(nfa, points, budget);
      const want = regex.test(name);
      assert.equal(got, want, `key ${JSON.stringify(key)}, name ${JSON.stringify(name)} ${rng.tag}`);
      if (want) matches++;
    }
  }
  assert.ok(matches > 200, `too few matching pairs (${matches}) to mean much ${rng.tag}`);
});

test('a pattern table picks the first key in config order whose RegExp matches', () => {
  const rng = Rng.fresh();
  const makeName = nameMaker(rng);
  for (let round = 0; round < 40; round++) {
    const keys = KEYS.filter(() => rng.next() < 0.5).sort(() => rng.next() - 0.5);
    const regexes = keys.map((key) => new RegExp(`^(?:.*\\.)?(?:${key})$`));
    const table = compilePatterns(Object.fromEntries(keys.map((k, i) => [k, i + 1])), 'rank_pattern', 'r', []);
    for (let i = 0; i < 50; i++) {
      const name = makeName();
      const first = regexes.findIndex((re) => re.test(name));
      const got = table.match(name);
      assert.deepEqual(got, first < 0 ? undefined : { key: keys[first], value: first + 1 }, `keys ${JSON.stringify(keys)}, name ${JSON.stringify(name)} ${rng.tag}`);
    }
  }
});

test('a key that makes a backtracking engine explode costs at most states × length steps', () => {
  const key = 'a*a*a*a*a*a*a*a*a*a*b';
  const compiled = compileKey(key);
  assert.ok(compiled.ok);
  const name = codePointsOf('a'.repeat(20_000));
  const budget = { left: 1e9 };
  assert.equal(matchKey(compiled.key, name, budget), false);
  const states = compiled.key.ops.length;
  assert.ok(1e9 - budget.left <= (states + 1) * (name.length + 1), `${1e9 - budget.left} steps for ${states} states`);
});

test('a pattern map past the key limit is ignored with a warning, without building its keys', () => {
  const map: Record<string, number> = {};
  for (let i = 0; i < 300_000; i++) map[`model.layers.${i}.self_attn.(q|k)_proj`] = 2;
  const warnings: string[] = [];
  const table = compilePatterns(map, 'rank_pattern', 'r', warnings);
  assert.deepEqual(warnings, [`rank_pattern has more than ${MAX_PATTERN_KEYS} keys; it is ignored and every module keeps r`]);
  assert.equal(table.match('model.layers.7.self_attn.q_proj'), undefined);
});

test('a map whose matching would run long stops at its step budget with a warning', () => {
  const map: Record<string, number> = {};
  for (let i = 0; i < 64; i++) map[`.*.*.*.*.*.*.*.*.*.*z${i}`] = 2;
  const warnings: string[] = [];
  const table = compilePatterns(map, 'alpha_pattern', 'lora_alpha', warnings);
  assert.deepEqual(warnings, []);
  const long = 'x.'.repeat(20_000);
  let calls = 0;
  while (warnings.length === 0 && calls < 1000) {
    assert.equal(table.match(`${long}${calls}`), undefined);
    calls++;
  }
  assert.equal(warnings.length, 1, 'the budget never ran out');
  assert.match(warnings[0], /^alpha_pattern: matching its keys took more than/);
  assert.ok(table.steps <= MAX_PATTERN_STEPS);
  assert.equal(table.match('q.z1'), undefined);
});

test('the first key in the config order that matches wins, refused keys match nothing', () => {
  const warnings: string[] = [];
  const table = compilePatterns({ '(a+)+': 9, 'layers.1.q_proj': 3, q_proj: 5, v_proj: true }, 'rank_pattern', 'r', warnings);
  assert.equal(warnings.length, 1);
  assert.deepEqual(table.match('model.layers.1.q_proj'), { key: 'layers.1.q_proj', value: 3 });
  assert.deepEqual(table.match('model.layers.2.q_proj'), { key: 'q_proj', value: 5 });
  assert.equal(table.match('model.layers.2.xq_proj'), undefined);
  assert.equal(table.match('aaaa'), undefined);
  assert.equal(table.match('model.layers.2.v_proj'), undefined);
});
