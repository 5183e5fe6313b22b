import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Finding } from '../../../src/core/check/finding';
import { HEALTH_CODES } from '../../../src/core/check/healthCodes';
import type { FileCheck } from '../../../src/core/check/runCheck';
import { fixReplacement, MAX_RELATED_MODULES, planProblems } from '../../../src/host/check/diagnosticPlan';
import { corpusPath } from '../../helpers/fixtures';

/** Findings become Problems-panel entries on the weights or on the config key's line; a quick fix edits one value. */

const WEIGHTS = '/adapters/a/adapter_model.safetensors';
const CONFIG = '/adapters/a/adapter_config.json';
/** A real PEFT config as save_pretrained wrote it (two-space indent, one key a line). */
const REAL = readFileSync(corpusPath('peft-tinygpt2', 'adapter_config.json'), 'utf8');

const rank: Finding = {
  code: HEALTH_CODES.rankMismatch,
  severity: 'warning',
  message: "the config's r is 4 but …",
  modules: ['h.0.attn.c_attn', 'h.1.attn.c_attn'],
  configKey: 'r',
  fix: { configKey: 'r', value: 8 },
};
const target: Finding = {
  code: HEALTH_CODES.targetUnmatched,
  severity: 'warning',
  message: 'target_modules entry "c_proj" matches no module',
  modules: [],
  configKey: 'target_modules.1',
};
const many = Array.from({ length: MAX_RELATED_MODULES + 5 }, (_, i) => `h.${i}.mlp.c_fc`);
const negligible: Finding = { code: HEALTH_CODES.negligible, severity: 'note', message: '25 modules have ‖ΔW‖_F ≈ 0', modules: many };
const gone: Finding = { code: HEALTH_CODES.patternUnmatched, severity: 'error', message: 'rank_pattern key "x" applies to no module', modules: [], configKey: 'rank_pattern.x' };

function checkOf(text: string | null, findings: readonly Finding[]): FileCheck {
  return {
    path: WEIGHTS,
    identity: { container: 'safetensors', algorithm: 'LoRA', writer: null, architecture: null },
    findings,
    config: text === null ? null : { path: CONFIG, text },
    targets: [],
  };
}

/** The line of a real config text that holds `needle`. */
function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((line) => line.includes(needle));
}

test("a config finding sits on its key's line of a real config, from the key to the end of its value", () => {
  const [r, t] = planProblems(checkOf(REAL, [rank, target]));
  assert.equal(r?.path, CONFIG);
  assert.deepEqual(
    [r?.start, r?.end],
    [
      { line: lineOf(REAL, '"r": 4'), character: 2 },
      { line: lineOf(REAL, '"r": 4'), character: '  "r": 4'.length },
    ],
  );
  assert.equal(r?.code, HEALTH_CODES.rankMismatch);
  assert.equal(r?.severity, 'warning');
  // The weights come first in its related information, then its modules.
  assert.deepEqual(
    r?.related.map((x) => [x.path, x.message]),
    [
      [WEIGHTS, 'the adapter weights this finding is about'],
      [WEIGHTS, 'module h.0.attn.c_attn'],
      [WEIGHTS, 'module h.1.attn.c_attn'],
    ],
  );
  // An array entry: the element itself, on its own line.
  assert.equal(t?.path, CONFIG);
  assert.deepEqual(
    [t?.start, t?.end],
    [
      { line: lineOf(REAL, '"c_proj"'), character: 4 },
      { line: lineOf(REAL, '"c_proj"'), character: 12 },
    ],
  );
});

test('odd formatting: a value on the next line gives the key alone; CRLF and tabs count as the editor counts', () => {
  const odd = '{\r\n\t"peft_type":"LORA",\r\n\t"r"\r\n\t\t: 4,\r\n\t"target_modules": ["c_attn",\t"c_proj"]}';
  const [r, t] = planProblems(checkOf(odd, [rank, target]));
  assert.deepEqual(
    [r?.start, r?.end],
    [
      { line: 2, character: 1 },
      { line: 2, character: 4 },
    ],
  );
  assert.deepEqual(
    [t?.start, t?.end],
    [
      { line: 4, character: 30 },
      { line: 4, character: 38 },
    ],
  );
});

test('findings without a config key, or whose key is not in the text, sit at the top of the weights; related modules are bounded', () => {
  const problems = planProblems(checkOf(REAL, [gone, negligible]));
  for (const p of problems) {
    assert.equal(p.path, WEIGHTS);
    assert.deepEqual(
      [p.start, p.end],
      [
        { line: 0, character: 0 },
        { line: 0, character: 0 },
      ],
    );
  }
  assert.equal(problems[0]?.severity, 'error');
  assert.equal(problems[1]?.severity, 'note');
  const related = problems[1]?.related ?? [];
  assert.equal(related.length, MAX_RELATED_MODULES + 1);
  assert.equal(related.at(-1)?.message, 'and 5 more modules');
  // No config read at all: the config finding goes to the weights too.
  assert.equal(planProblems(checkOf(null, [rank]))[0]?.path, WEIGHTS);
});

test("the quick fix replaces only the key's value: the rest of the text is byte for byte what it was", () => {
  for (const text of [REAL, '{"peft_type": "LORA",\n  "r"\n    :\t4   ,"lora_alpha": 8}', '{"r": "4", "nested": {"r": 1}}']) {
    const edit = fixReplacement(text, { configKey: 'r', value: 8 });
    assert.ok(edit, text);
    const after = text.slice(0, edit.start) + edit.newText + text.slice(edit.end);
    const parsed = JSON.parse(after) as Record<string, unknown>;
    const before = JSON.parse(text) as Record<string, unknown>;
    assert.deepEqual(parsed, { ...before, r: 8 });
    assert.equal(after.length, text.length - (edit.end - edit.start) + 1);
  }
  const alpha = fixReplacement(REAL, { configKey: 'lora_alpha', value: 15.9921875 });
  assert.equal(alpha && REAL.slice(0, alpha.start) + alpha.newText + REAL.slice(alpha.end), REAL.replace('"lora_alpha": 1,', '"lora_alpha": 15.9921875,'));
  assert.equal(fixReplacement('{"lora_alpha": 1}', { configKey: 'r', value: 8 }), null);
  assert.equal(fixReplacement(REAL, { configKey: 'r', value: Number.NaN }), null);
});

test('thousands of pattern-key findings are each placed on their own key (one index of the config, not a scan per finding)', () => {
  const keys = Array.from({ length: 4096 }, (_, i) => `model.layers.${i}.q_proj`);
  const text = `{\n  "r": 4,\n  "rank_pattern": {\n${keys.map((k, i) => `    "${k}": ${i % 7}`).join(',\n')}\n  }\n}\n`;
  const findings: Finding[] = keys.map((k) => ({ code: HEALTH_CODES.patternUnmatched, severity: 'warning', message: 'unused', modules: [], configKey: `rank_pattern.${k}` }));
  const planned = planProblems(checkOf(text, findings));
  assert.equal(planned.length, keys.length);
  for (const [i, p] of planned.entries()) {
    assert.equal(p.path, CONFIG);
    assert.deepEqual(p.start, { line: 3 + i, character: 4 });
  }
});

test('a key written twice is placed, and fixed, at its last occurrence (the one JSON.parse keeps)', () => {
  const text = '{\n  "r": 2,\n  "lora_alpha": 8,\n  "r": 4\n}\n';
  assert.equal((JSON.parse(text) as { r: number }).r, 4);
  const [p] = planProblems(checkOf(text, [rank]));
  assert.deepEqual(p.start, { line: 3, character: 2 });
  const edit = fixReplacement(text, { configKey: 'r', value: 8 });
  assert.ok(edit);
  assert.equal(text.slice(0, edit.start) + edit.newText + text.slice(edit.end), '{\n  "r": 2,\n  "lora_alpha": 8,\n  "r": 8\n}\n');
});
