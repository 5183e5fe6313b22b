import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { test } from 'node:test';
import { openAdapter, type OpenedAdapter } from '../../../src/core/adapter/load';
import { analyzeAdapter } from '../../../src/core/analysis/analyze';
import { resizeAdapter } from '../../../src/core/resize/resize';
import { gaussian } from '../../helpers/factors';
import { removeDir, tempDir, writeFixture, type FixtureTensor } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

/** One PEFT LoRA module (key names as PEFT's save_pretrained writes them) of shape m×n, rank r. */
function peftModule(rng: Rng, m: number, n: number, r: number): FixtureTensor[] {
  return [
    { name: 'base_model.model.fc.lora_A.weight', shape: [r, n], values: gaussian(rng, r, n).data },
    { name: 'base_model.model.fc.lora_B.weight', shape: [m, r], values: gaussian(rng, m, r).data },
  ];
}

async function withAdapter<T>(tensors: readonly FixtureTensor[], config: unknown, use: (opened: OpenedAdapter, dir: string) => Promise<T>): Promise<T> {
  const dir = await tempDir();
  try {
    const path = await writeFixture(dir, 'adapter_model.safetensors', tensors, { config });
    const opened = await openAdapter(path);
    try {
      return await use(opened, dir);
    } finally {
      await opened.file.close();
    }
  } finally {
    await removeDir(dir);
  }
}

const allWarnings = (opened: OpenedAdapter): string => [...opened.adapter.warnings, ...opened.adapter.modules.flatMap((m) => m.warnings)].join('\n');

test('use_rslora as the string "true" is not used, and a warning names the key, the type and the value', async () => {
  const rng = Rng.fresh();
  await withAdapter(peftModule(rng, 6, 5, 4), { peft_type: 'LORA', r: 4, lora_alpha: 8, use_rslora: 'true' }, async (opened) => {
    assert.equal(opened.adapter.modules[0].scale, 2, rng.tag);
    const warning = opened.adapter.warnings.find((w) => w.includes('"use_rslora"'));
    assert.ok(warning, allWarnings(opened));
    assert.match(warning, /should be true or false but is the string "true"; it is not used: false \(PEFT's default\) is used/);
    assert.match(warning, /PEFT itself would take this value as true/);
  });
});

test('config values of the wrong type are each named, left out, and what is used instead is said', async () => {
  const rng = Rng.fresh();
  const config = {
    peft_type: 'LORA',
    r: '4',
    lora_alpha: 8,
    rank_pattern: ['fc'],
    alpha_pattern: { fc: '16' },
    modules_to_save: 'score',
    fan_in_fan_out: 1,
    base_model_name_or_path: 7,
  };
  await withAdapter(peftModule(rng, 6, 5, 4), config, async (opened) => {
    const text = allWarnings(opened);
    assert.match(text, /"r" should be a finite number but is the string "4"; it is not used/);
    assert.match(text, /"rank_pattern" should be an object \(a map of keys to values\) but is a list of 1 item; it is not used: every module keeps r/);
    assert.match(text, /alpha_pattern entry "fc" should be a finite number but is the string "16"/);
    assert.match(text, /"modules_to_save" should be a list of strings but is the string "score"/);
    assert.match(text, /"fan_in_fan_out" should be true or false but is the number 1/);
    assert.match(text, /"base_model_name_or_path" should be a string but is the number 7/);
    // r is unusable, so the scale is unknown rather than read from a string.
    assert.equal(opened.adapter.modules[0].scaleKnown, false);
    assert.equal(opened.adapter.baseModel, null);
  });
});

test('a quoted config value has its control and bidirectional characters escaped and is shortened', async () => {
  const rng = Rng.fresh();
  await withAdapter(peftModule(rng, 6, 5, 4), { peft_type: 'LORA', r: 4, lora_alpha: 8, use_dora: `\u202e\u001b[31m${'x'.repeat(500)}` }, async (opened) => {
    const warning = opened.adapter.warnings.find((w) => w.includes('"use_dora"'));
    assert.ok(warning, allWarnings(opened));
    assert.ok(!/[\u202e\u001b]/.test(warning), warning);
    assert.ok(warning.includes('\\u202e'), warning);
    assert.ok(warning.length < 400, `${warning.length} characters`);
  });
});

test('mlx-lm lora_parameters of the wrong type are named and not used', async () => {
  const rng = Rng.fresh();
  const [m, n, r] = [6, 5, 4];
  // mlx-lm's LoRALinear keys: lora_a [in, r], lora_b [r, out] (mlx_lm/tuner/lora.py).
  const tensors: FixtureTensor[] = [
    { name: 'model.layers.0.self_attn.q_proj.lora_a', shape: [n, r], values: gaussian(rng, n, r).data },
    { name: 'model.layers.0.self_attn.q_proj.lora_b', shape: [r, m], values: gaussian(rng, r, m).data },
  ];
  await withAdapter(tensors, { fine_tune_type: 'lora', num_layers: 1, lora_parameters: { rank: 'four', scale: '10.0' } }, async (opened) => {
    const text = allWarnings(opened);
    assert.equal(opened.adapter.format, 'mlx');
    assert.match(text, /"lora_parameters\.scale" should be a finite number but is the string "10\.0"; it is not used: mlx-lm's default scale is assumed/);
    assert.match(text, /"lora_parameters\.rank" should be a finite number but is the string "four"/);
    assert.equal(opened.adapter.modules[0].scaleKnown, false);
  });
});

test('a DoRA magnitude vector of the wrong length is not analysed and a resize does not copy it, with a note', async () => {
  const rng = Rng.fresh();
  const [m, n, r] = [9, 5, 4];
  const magnitudeName = 'base_model.model.fc.lora_magnitude_vector';
  // PEFT's DoraLinearLayer stores [out_features]; this one has one value too many.
  const tensors = [...peftModule(rng, m, n, r), { name: magnitudeName, shape: [m + 1], values: Float64Array.from({ length: m + 1 }, () => 1) }];
  await withAdapter(tensors, { peft_type: 'LORA', r, lora_alpha: 8, use_dora: true }, async (opened, dir) => {
    const module = opened.adapter.modules[0];
    assert.equal(module.magnitude, undefined);
    assert.ok(
      module.warnings.some((w) => w.includes(magnitudeName) && /\[10\] \(10 values\) where 9 values are expected/.test(w)),
      module.warnings.join('\n'),
    );
    const analysis = await analyzeAdapter(opened);
    const result = analysis.modules[0];
    assert.equal(result.status, 'ok');
    assert.ok(result.status === 'ok' && result.magnitude === undefined);
    const output = join(dir, 'out');
    const resized = await resizeAdapter({ input: opened.adapter.file, output, method: { kind: 'fixed', rank: 2 }, format: 'same' });
    assert.ok(
      resized.notes.some((note) => note.includes(magnitudeName) && /left out: it does not fit/.test(note)),
      resized.notes.join('\n'),
    );
    const written = await openAdapter(output);
    try {
      assert.equal(written.file.header.byName.has(magnitudeName), false);
    } finally {
      await written.file.close();
    }
  });
});

test('a DoRA magnitude vector of the right length is kept (PEFT Linear [out], conv [out, 1, 1])', async () => {
  const rng = Rng.fresh();
  const [m, n, r] = [9, 5, 4];
  const tensors = [...peftModule(rng, m, n, r), { name: 'base_model.model.fc.lora_magnitude_vector', shape: [m], values: Float64Array.from({ length: m }, () => 1) }];
  await withAdapter(tensors, { peft_type: 'LORA', r, lora_alpha: 8, use_dora: true }, async (opened) => {
    assert.equal(opened.adapter.modules[0].magnitude, 'base_model.model.fc.lora_magnitude_vector');
  });
  const conv: FixtureTensor[] = [
    { name: 'base_model.model.conv.lora_A.weight', shape: [r, 3, 3, 3], values: gaussian(rng, r, 27).data },
    { name: 'base_model.model.conv.lora_B.weight', shape: [m, r, 1, 1], values: gaussian(rng, m, r).data },
    { name: 'base_model.model.conv.lora_magnitude_vector', shape: [m, 1, 1, 1], values: Float64Array.from({ length: m }, () => 1) },
  ];
  await withAdapter(conv, { peft_type: 'LORA', r, lora_alpha: 8, use_dora: true }, async (opened) => {
    assert.equal(opened.adapter.modules[0].magnitude, 'base_model.model.conv.lora_magnitude_vector', allWarnings(opened));
  });
});
