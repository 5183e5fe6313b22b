import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { JsonTooDeepError, MAX_JSON_DEPTH, parseBoundedJson } from '../../../src/core/io/boundedJson';
import { openAdapter } from '../../../src/core/adapter/load';
import { gaussian } from '../../helpers/factors';
import { removeDir, tempDir, writeFixture, type FixtureTensor } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

const nested = (depth: number, inner = '1'): string => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;

test('parseBoundedJson parses up to the depth bound and refuses deeper text before building it', () => {
  assert.deepEqual(parseBoundedJson('{"a": [1, {"b": "x"}]}'), { a: [1, { b: 'x' }] });
  assert.equal((parseBoundedJson(nested(MAX_JSON_DEPTH)) as unknown[]).length, 1);
  assert.throws(() => parseBoundedJson(nested(MAX_JSON_DEPTH + 1)), JsonTooDeepError);
  assert.throws(
    () => parseBoundedJson(nested(400_000)),
    (e: unknown) => e instanceof JsonTooDeepError && /more than 512 levels/.test(e.message),
  );
  // Brackets inside strings, escaped quotes included, are text, not nesting.
  const text = JSON.stringify({ s: `\\"${'['.repeat(2000)}` });
  assert.deepEqual(parseBoundedJson(text), JSON.parse(text));
  assert.throws(() => parseBoundedJson('{"a": '), SyntaxError);
});

/** One module with PEFT-style keys under diffusers' `transformer.` prefix (diffusers' save_lora_adapter). */
function diffusersModule(rng: Rng, r: number): FixtureTensor[] {
  return [
    { name: 'transformer.blocks.0.attn.to_q.lora_A.weight', shape: [r, 6], values: gaussian(rng, r, 6).data },
    { name: 'transformer.blocks.0.attn.to_q.lora_B.weight', shape: [6, r], values: gaussian(rng, 6, r).data },
  ];
}

test('diffusers lora_adapter_metadata nested too deep or too long is refused with a warning, and the default rule applies', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const deep = `{"r": 4, "lora_alpha": 8, "extra": ${nested(100_000)}}`;
    const long = JSON.stringify({ r: 4, lora_alpha: 8, note: 'x'.repeat(1_100_000) });
    const cases = [
      { file: 'deep.safetensors', value: deep, warning: /lora_adapter_metadata is not read: it nests arrays and objects more than 512 levels deep; ignored/ },
      { file: 'long.safetensors', value: long, warning: /lora_adapter_metadata is \d+ characters long, more than the 1000000/ },
    ];
    for (const c of cases) {
      const path = await writeFixture(dir, c.file, diffusersModule(rng, 4), { metadata: { lora_adapter_metadata: c.value } });
      const opened = await openAdapter(path);
      try {
        assert.equal(opened.adapter.format, 'diffusers');
        assert.ok(
          opened.adapter.warnings.some((w) => c.warning.test(w)),
          `${c.file}: ${opened.adapter.warnings.join('\n')}`,
        );
        // Without the LoraConfig diffusers loads the LoRA with alpha = r.
        assert.equal(opened.adapter.modules[0].scale, 1, c.file);
      } finally {
        await opened.file.close();
      }
    }
  } finally {
    await removeDir(dir);
  }
});

test('an adapter_config.json nested 200,000 levels deep is not read (a warning), so the adapter can still be reported as JSON', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const r = 4;
    const tensors: FixtureTensor[] = [
      { name: 'base_model.model.fc.lora_A.weight', shape: [r, 5], values: gaussian(rng, r, 5).data },
      { name: 'base_model.model.fc.lora_B.weight', shape: [6, r], values: gaussian(rng, 6, r).data },
    ];
    const path = await writeFixture(dir, 'adapter_model.safetensors', tensors, { config: `{"peft_type": "LORA", "r": 4, "lora_alpha": 8, "x": ${nested(200_000)}}` });
    const opened = await openAdapter(path);
    try {
      assert.equal(opened.adapter.config, null);
      assert.ok(
        opened.adapter.warnings.some((w) => /adapter_config\.json is nested more than 64 levels deep; ignored/.test(w)),
        opened.adapter.warnings.join('\n'),
      );
      assert.doesNotThrow(() => JSON.stringify(opened.adapter));
    } finally {
      await opened.file.close();
    }
  } finally {
    await removeDir(dir);
  }
});
