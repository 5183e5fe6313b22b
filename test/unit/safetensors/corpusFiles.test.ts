import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { SafetensorsError } from '../../../src/core/safetensors/errors';
import { openSafetensors, readHeader } from '../../../src/core/safetensors/reader';
import { corpusPath } from '../../helpers/fixtures';
import { TENSOR_COUNTS } from '../../helpers/corpusCounts';

test('every real corpus file parses, with its tensor count, dtypes and quirks', async () => {
  for (const [file, count] of Object.entries(TENSOR_COUNTS)) {
    const header = await readHeader(corpusPath(...file.split('/')));
    assert.equal(header.tensors.length, count, file);
  }
  const mlx = await readHeader(corpusPath('mlx-cli-adapters', 'adapters.safetensors'));
  assert.equal(mlx.metadata, null, 'mlx writes __metadata__: null');
  assert.equal(mlx.headerLength, 1684, 'a header length that is not a multiple of 8');
  assert.deepEqual(mlx.byName.get('model.layers.20.self_attn.v_proj.lora_b')?.shape, [8, 128]);
  const lokr = await readHeader(corpusPath('lycoris-lokr-r4', 'smart_falcon_4_lokr.safetensors'));
  assert.equal(Object.keys(lokr.metadata ?? {}).length, 61);
  assert.deepEqual(lokr.byName.get('lora_te_text_model_encoder_layers_0_mlp_fc1.alpha')?.shape, []);
  assert.equal(lokr.byName.get('lora_te_text_model_encoder_layers_0_mlp_fc1.alpha')?.dtype, 'F16');
  const opt = await readHeader(corpusPath('peft-opt125m-bf16', 'adapter_model.safetensors'));
  assert.ok(opt.tensors.every((t) => t.dtype === 'BF16'));
});

test('tensor reads through the file handle match the bytes at the header offsets', async () => {
  const path = corpusPath('mlx-cli-adapters', 'adapters.safetensors');
  const whole = new Uint8Array(await readFile(path));
  const file = await openSafetensors(path);
  try {
    for (const t of file.header.tensors) {
      assert.deepEqual(await file.readBytes(t), whole.subarray(t.start, t.end), t.name);
    }
    const t = file.header.tensors[0];
    const values = await file.readFloat64(t);
    const view = new DataView(whole.buffer, whole.byteOffset + t.start, t.end - t.start);
    for (let i = 0; i < values.length; i += 97) assert.equal(values[i], view.getFloat32(i * 4, true));
    const part = await file.readFloat64(t, { start: 5, count: 7 });
    assert.deepEqual(part, values.subarray(5, 12));
    await assert.rejects(file.readFloat64(t, { start: values.length - 1, count: 2 }), SafetensorsError);
    await assert.rejects(file.readBytes('no.such.tensor'), (e: unknown) => e instanceof SafetensorsError && /no tensor named/.test(e.message));
  } finally {
    await file.close();
  }
});

/**
 * Leading values of three tensors, one per float width, as Python's struct module decodes
 * them from the same bytes (bfloat16 as the float32 with those 16 bits on top).
 */
const KNOWN_VALUES: readonly [string, string, string, readonly number[]][] = [
  ['peft-tinygpt2/adapter_model.safetensors', 'base_model.model.transformer.h.0.attn.c_attn.lora_A.weight', 'F32', [-0.13687105476856232, 0.34544920921325684, 0.2055269181728363]],
  [
    'peft-opencalm1b-r1/adapter_model.safetensors',
    'base_model.model.gpt_neox.layers.0.attention.query_key_value.lora_A.weight',
    'F16',
    [-0.005702972412109375, -0.01554107666015625, -0.0672607421875],
  ],
  [
    'peft-opt125m-bf16/adapter_model.safetensors',
    'base_model.model.model.decoder.layers.0.self_attn.q_proj.lora_A.weight',
    'BF16',
    [-0.0001430511474609375, 0.0220947265625, -0.0341796875],
  ],
];

test('decoded corpus values match an independent decode of the same bytes', async () => {
  for (const [file, name, dtype, values] of KNOWN_VALUES) {
    const f = await openSafetensors(corpusPath(...file.split('/')));
    try {
      assert.equal(f.header.byName.get(name)?.dtype, dtype, name);
      const got = await f.readFloat64(name, { start: 0, count: values.length });
      assert.deepEqual(Array.from(got), values, name);
      assert.deepEqual(Array.from((await f.readFloat32(name)).subarray(0, values.length)), values, name);
    } finally {
      await f.close();
    }
  }
});

test('dtypes and shapes of named tensors, read by hand from their headers', async () => {
  const gpt2 = await readHeader(corpusPath('peft-gpt2-a', 'adapter_model.safetensors'));
  assert.deepEqual(gpt2.metadata, Object.assign(Object.create(null) as Record<string, string>, { format: 'pt' }));
  const score = gpt2.byName.get('base_model.model.score.weight');
  assert.deepEqual([score?.dtype, score?.shape, score?.start, score?.end], ['F32', [6, 768], 8 + 3120, 8 + 3120 + 18432]);
  assert.deepEqual(gpt2.byName.get('base_model.model.transformer.h.0.attn.c_attn.lora_B.weight')?.shape, [2304, 8]);
  const flux = await readHeader(corpusPath('aitoolkit-flux-sparse', 'lora.safetensors'));
  assert.equal(flux.headerLength, 1536);
  assert.equal(Object.keys(flux.metadata ?? {}).length, 10);
  assert.deepEqual(flux.byName.get('transformer.single_transformer_blocks.12.proj_out.lora_A.weight')?.shape, [16, 15360]);
});
