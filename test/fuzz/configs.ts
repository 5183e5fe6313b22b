import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFixture } from '../helpers/fixtures';
import { Rng } from '../helpers/random';
import { loraTensors, PREFIX, writeAdapter, type JsonReport } from './adapter';
import { parseJson } from './runner';
import type { CheckContext, FuzzCase } from './types';

/**
 * Hostile `adapter_config.json` files (peft `LoraConfig` keys): pattern keys that blow up a
 * backtracking regex engine, maps of 300k keys, values of the wrong type, deep nesting, huge
 * strings, and a config that links outside the adapter's folder.
 */

/** Every module analysed with finite numbers; the config's trouble reported, not fatal. */
function analysed({ run }: CheckContext): string | undefined {
  if (run.status !== 0) return undefined;
  const report = parseJson<JsonReport>(run);
  if (typeof report === 'string') return report;
  const bad = report.modules.find((m) => m.status !== 'ok' || !Number.isFinite(m.frobenius));
  return bad ? `module ${bad.name}: ${bad.status}, ‖ΔW‖F ${bad.frobenius}` : undefined;
}

interface ConfigCase {
  readonly name: string;
  /** The config as raw JSON text. */
  readonly text: string;
  readonly warning?: RegExp;
  /** Module paths, when the case needs particular names. */
  readonly modules?: readonly string[];
}

const base = (fields: string) => `{"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["q_proj"]${fields ? `, ${fields}` : ''}}`;
const manyKeys = (count: number) => `{${Array.from({ length: count }, (_, i) => `"layers\\\\.${i}\\\\.q_proj": ${1 + (i % 7)}`).join(', ')}}`;
const A41 = 'a'.repeat(41);

const CASES: readonly ConfigCase[] = [
  { name: 'rank_pattern key ([a-z_.0-9]+)+Z', text: base('"rank_pattern": {"([a-z_.0-9]+)+Z": 2}'), warning: /rank_pattern/ },
  { name: 'alpha_pattern key (.*.*)*X', text: base('"alpha_pattern": {"(.*.*)*X": 8}'), warning: /alpha_pattern/ },
  {
    name: 'rank_pattern key (a+)+ against a 41-character module name',
    text: base(`"rank_pattern": {"(a+)+": 1}`),
    modules: [`base_model.model.model.${A41}`],
    warning: /rank_pattern/,
  },
  { name: 'rank_pattern key with a back-reference', text: base('"rank_pattern": {"(q)\\\\1_proj": 1}'), warning: /rank_pattern/ },
  { name: 'rank_pattern key with lookahead', text: base('"rank_pattern": {"(?=q)q_proj": 1}'), warning: /rank_pattern/ },
  { name: 'rank_pattern key of 100k characters', text: base(`"rank_pattern": {"${'a?'.repeat(50_000)}": 1}`), warning: /rank_pattern/ },
  { name: 'rank_pattern of 300k keys', text: base(`"rank_pattern": ${manyKeys(300_000)}`), warning: /rank_pattern/ },
  { name: 'alpha_pattern of 5000 keys', text: base(`"alpha_pattern": ${manyKeys(5000)}`), warning: /alpha_pattern/ },
  { name: 'rank_pattern that is an array', text: base('"rank_pattern": [1, 2]'), warning: /rank_pattern/ },
  { name: 'use_rslora "true" (a string)', text: base('"use_rslora": "true"'), warning: /use_rslora/ },
  { name: 'lora_alpha "16" (a string)', text: base('"lora_alpha": "16"').replace('"lora_alpha": 4, ', ''), warning: /lora_alpha/ },
  { name: 'target_modules a catastrophic regex', text: '{"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": "(a+)+$"}' },
  { name: 'config nested 400k deep', text: base(`"extra": ${'['.repeat(400_000)}${']'.repeat(400_000)}`) },
  { name: 'config of a 40 MB string', text: base(`"base_model_name_or_path": "${'x'.repeat(40_000_000)}"`) },
  { name: 'config that is not JSON', text: '{"peft_type": "LORA", "r": 2,' },
  { name: 'config that is a JSON array', text: '[1, 2, 3]' },
  { name: 'config that is null', text: 'null' },
  { name: 'config with a __proto__ key', text: base('"__proto__": {"r": 1000, "lora_alpha": 1e308}') },
  { name: 'config with a constructor key', text: base('"constructor": {"prototype": {"r": 0}}') },
  { name: 'modules_to_save of 300k names', text: base(`"modules_to_save": [${Array.from({ length: 300_000 }, (_, i) => `"m${i}"`).join(',')}]`) },
];

const configCases: FuzzCase[] = CASES.map((c) => ({
  category: 'configs',
  name: c.name,
  async prepare(dir) {
    await writeFixture(dir, 'adapter_model.safetensors', loraTensors({ ...(c.modules ? { modules: c.modules } : {}) }), { config: c.text });
    return { args: ['inspect', dir, '--json'], json: true, expect: 'either', ...(c.warning ? { warning: c.warning } : {}), check: analysed };
  },
}));

/** A marker no output may hold: the contents of a file outside the adapter's folder. */
const SECRET = 'secret-outside-the-folder-5f3a';

const linkedOutside: FuzzCase = {
  category: 'configs',
  name: 'adapter_config.json linked to a file outside the folder',
  async prepare(dir) {
    const adapter = join(dir, 'adapter');
    await mkdir(adapter);
    await writeFile(join(dir, 'outside.json'), `{"peft_type": "LORA", "r": 2, "lora_alpha": 4, "base_model_name_or_path": "${SECRET}", "broken": ${SECRET}}`);
    await writeAdapter(adapter, { config: null });
    await symlink(join(dir, 'outside.json'), join(adapter, 'adapter_config.json'));
    return {
      args: ['inspect', adapter, '--json'],
      json: true,
      expect: 'answer',
      warning: /outside|link/i,
      check: ({ run }) => (run.stdout.includes(SECRET) || run.stderr.includes(SECRET) ? 'the linked file’s contents reached the output' : undefined),
    };
  },
};

/** PEFT's DoRA magnitude (`lora_magnitude_vector`, one value per output row: [m]) of the wrong length, then resized. */
const doraLength: FuzzCase = {
  category: 'configs',
  name: 'DoRA magnitude of the wrong length, resized',
  async prepare(dir) {
    const adapter = join(dir, 'adapter');
    const out = join(dir, 'out');
    await mkdir(adapter);
    const rng = new Rng(9);
    const tensors = [...loraTensors({ layers: 1 }), { name: `${PREFIX(0)}.lora_magnitude_vector`, shape: [11], values: rng.gaussians(11), dtype: 'F64' as const }];
    await writeFixture(adapter, 'adapter_model.safetensors', tensors, { config: { peft_type: 'LORA', r: 2, lora_alpha: 4, use_dora: true, target_modules: ['q_proj'] } });
    return { args: ['resize', adapter, '--out', out, '--method', 'fixed', '--param', '1', '--json'], json: true, expect: 'either', warning: /magnitude/i, outputs: [out] };
  },
};

export const CONFIG_CASES: readonly FuzzCase[] = [...configCases, linkedOutside, doraLength];
