import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import type { Adapter } from '../../../src/core/adapter/model';
import { identify } from '../../../src/core/check/identify';
import { checkFile, type FileCheck } from '../../../src/core/check/runCheck';
import { CHECK_SOURCES } from '../../../src/core/check/sources';
import { configHoverMarkdown, type ConfigHoverInput } from '../../../src/host/hover/configHover';
import { configKeyAt } from '../../../src/host/hover/configKeyAt';
import { corpusPath, removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { peftConfig, peftName, peftTensors } from '../check/healthFixtures';

/** The Markdown as it reads: backslash escapes and the three entities undone. */
function plain(markdown: string): string {
  return markdown.replace(/\\(.)/g, '$1').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** A generated PEFT adapter (healthFixtures: 6 layers × q_proj/v_proj, rank 8, layer 0 q_proj rank 4) with `config` beside it. */
async function withAdapter(config: Record<string, unknown>, run: (adapter: Adapter, check: FileCheck, text: string) => Promise<void> | void): Promise<void> {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const path = await writeFixture(dir, 'adapter_model.safetensors', peftTensors(rng, new Map([[peftName(0, 'q_proj'), { rank: 4 }]])), { config });
    const opened = await openAdapter(path);
    await opened.file.close();
    const check = await checkFile(path, {}, CHECK_SOURCES);
    await run(opened.adapter, check, await readFile(join(dir, 'adapter_config.json'), 'utf8'));
  } finally {
    await removeDir(dir);
  }
}

function hover(key: string, adapter: Adapter | null, values: Record<string, unknown>, check?: FileCheck): string {
  const input: ConfigHoverInput = {
    key,
    values,
    adapter,
    identity: check?.identity ?? (adapter ? identify(adapter) : null),
    findings: check?.findings ?? [],
    weightsLabel: 'adapter_model.safetensors',
  };
  return plain(configHoverMarkdown(input) ?? '');
}

test('the key under the cursor is found by a scan of the text: top-level member names only', () => {
  const text = '{\n  "r": 8,\n  "note": "a \\"r\\": {x}",\n  "rank_pattern": {"q_proj": 4},\n  "target_modules": ["q_proj", "v_proj"]\n}';
  const at = (needle: string, skip = 0) => text.indexOf(needle) + skip;
  assert.deepEqual(configKeyAt(text, at('"r"', 1)), { key: 'r', start: at('"r"'), end: at('"r"') + 3 });
  assert.equal(configKeyAt(text, at('"r"'))?.key, 'r');
  assert.equal(configKeyAt(text, at('"rank_pattern"', 5))?.key, 'rank_pattern');
  // A value, a key of a nested object, a string inside a string, the blanks between: none.
  assert.equal(configKeyAt(text, at('"q_proj", "v_proj"', 2)), null);
  assert.equal(configKeyAt(text, at('"q_proj": 4', 2)), null);
  assert.equal(configKeyAt(text, at('\\"r', 3)), null);
  assert.equal(configKeyAt(text, at(': 8', 2)), null);
  assert.equal(configKeyAt('{"unterminated', 3), null);
  assert.equal(configKeyAt('', 0), null);
});

test("on r: the config's r, the ranks the tensors have, and the scale that results (α/√r with rsLoRA)", async () => {
  const config = peftConfig({ r: 8, lora_alpha: 16 });
  await withAdapter(config, (adapter, check) => {
    const md = hover('r', adapter, config, check);
    assert.match(md, /^\*\*r\*\* · adapter_config\.json/);
    assert.match(md, /The LoRA rank/);
    assert.match(md, /Here: 8\n/);
    assert.match(md, /- ranks in the tensors: 8 \(11 modules\), 4 \(1 module\)/);
    assert.match(md, /- scale s = lora_alpha \/ r = 16 \/ 8 = 2 /);
    assert.match(md, /- 1 module without a rank_pattern entry has another rank than r = 8/);
    // The check's finding on `r` is listed.
    assert.match(md, /Check:\n\n- warning HEALTH_CONFIG_RANK_MISMATCH: the config's r is 8/);
    const rs = hover('r', adapter, { ...config, use_rslora: true });
    assert.match(rs, /- scale s = lora_alpha \/ √r = 16 \/ √8 \(rsLoRA\) = 5\.657 /);
    assert.match(hover('use_rslora', adapter, config), /- would apply: lora_alpha \/ √r = 16 \/ √8 \(rsLoRA\) = 5\.657\n- applies: lora_alpha \/ r = 16 \/ 8 = 2/);
    // A rank_pattern entry for the rank-4 module: no module has another rank.
    const patterned = { ...config, rank_pattern: { [peftName(0, 'q_proj')]: 4 } };
    assert.doesNotMatch(hover('r', adapter, patterned), /another rank/);
    assert.match(
      hover('rank_pattern', adapter, { ...patterned, rank_pattern: { [peftName(0, 'q_proj')]: 4, k_proj: 2 } }),
      /- "model\.layers\.0\.self_attn\.q_proj": decides 1 module\n- "k_proj": applies to no module of the weights/,
    );
  });
});

test('on target_modules: how many modules each entry matches, and which match none', async () => {
  const config = peftConfig({ target_modules: ['q_proj', 'o_proj', 'v_proj', '<img src=x>'] });
  await withAdapter(config, (adapter, check, text) => {
    const offset = text.indexOf('"target_modules"') + 3;
    assert.equal(configKeyAt(text, offset)?.key, 'target_modules');
    const raw = configHoverMarkdown({ key: 'target_modules', values: config, adapter, identity: check.identity, findings: check.findings, weightsLabel: null }) ?? '';
    assert.ok(!raw.includes('<img'), raw);
    const md = plain(raw);
    assert.match(md, /- "q_proj": matches 6 modules\n- "o_proj": matches no module of the weights\n- "v_proj": matches 6 modules\n- "<img src=x>": matches no module/);
    assert.match(md, /- warning HEALTH_TARGET_UNMATCHED: target_modules entry "o_proj"/);
    const partial = hover('target_modules', adapter, { ...config, target_modules: ['q_proj'] });
    assert.match(partial, /- 6 modules of the weights are matched by no entry/);
    assert.match(hover('target_modules', adapter, { ...config, target_modules: '.*proj' }), /a regular expression .*not evaluated here/);
  });
});

test('on base_model_name_or_path: the architecture the tensors indicate (a real PEFT adapter for facebook/opt-125m)', async () => {
  const opened = await openAdapter(corpusPath('peft-opt125m-bf16', 'adapter_model.safetensors'));
  await opened.file.close();
  const values = opened.adapter.config?.values ?? {};
  const md = hover('base_model_name_or_path', opened.adapter, values);
  assert.match(md, /Here: "facebook\/opt-125m"/);
  assert.match(md, /- the tensors indicate: OPT 125M \(confidence \d+%\)/);
  assert.match(md, /- evidence: /);
  assert.match(hover('lora_alpha', opened.adapter, values), /- scale s = lora_alpha \/ r = 32 \/ 16 = 2 .*\n- scales in the tensors as read: 2 \(24 modules\)/);
  assert.match(hover('use_dora', opened.adapter, values), /- 0 of 24 modules have a DoRA magnitude vector/);
  assert.match(hover('peft_type', opened.adapter, values), /algorithm: LoRA/);
  assert.match(hover('layers_to_transform', opened.adapter, values), /layers in the tensors: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 \(12 layers\)/);
  // Every key PEFT writes that the docs know gets a hover; a key nobody knows gets none.
  for (const key of ['lora_dropout', 'modules_to_save', 'task_type', 'init_lora_weights', 'bias', 'fan_in_fan_out', 'target_parameters', 'alpha_pattern']) {
    assert.notEqual(hover(key, opened.adapter, values), '', key);
  }
  assert.equal(configHoverMarkdown({ key: 'no_such_key', values, adapter: opened.adapter, identity: null, findings: [], weightsLabel: null }), null);
  assert.match(hover('r', null, values), /No adapter weights found beside this config/);
});
