import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { corpusPath, removeDir, tempDir, writeFixture } from '../../../helpers/fixtures';
import { ggufBytes, loraKv, type GgufTensorSpec, type KvValue } from '../../../helpers/ggufWriter';
import { assertLoadsFully, dropReason, judged, peftPair, tensor } from './judgeHelpers';

/**
 * llama.cpp's adapter loader (llama_adapter_lora_init_impl) on GGUF files laid out as
 * convert_lora_to_gguf.py writes them (`X.weight.lora_a` [r, in], `X.weight.lora_b` [out, r]),
 * and the converter's rules on PEFT folders.
 */

function factor(name: string, shape: number[]): GgufTensorSpec {
  return { name, shape, type: 'F32', values: Array.from({ length: shape[0] * shape[1] }, (_, i) => ((i % 5) + 1) / 10) };
}

function ggufPair(stem: string, r: number, inner: number, out: number): GgufTensorSpec[] {
  return [factor(`${stem}.weight.lora_a`, [r, inner]), factor(`${stem}.weight.lora_b`, [out, r])];
}

async function gguf(kv: readonly (readonly [string, KvValue])[], tensors: readonly GgufTensorSpec[]): Promise<{ dir: string; path: string }> {
  const dir = await tempDir();
  const path = join(dir, 'adapter.gguf');
  await writeFile(path, ggufBytes({ kv, tensors }));
  return { dir, path };
}

test('llama.cpp: a GGUF LoRA adapter with lora_a / lora_b pairs loads fully and fits', async () => {
  const { dir, path } = await gguf(loraKv('llama', 16), [...ggufPair('blk.0.attn_q', 4, 32, 32), ...ggufPair('blk.0.ffn_down', 4, 64, 32)]);
  const j = await judged('llama.cpp', path);
  assertLoadsFully(j);
  assert.equal(j.fit.fits, true);
  await removeDir(dir);
});

test('llama.cpp: a GGUF model, or an adapter type other than lora, is refused', async () => {
  const kv = loraKv('llama', 16);
  const model = await gguf(
    kv.map(([k, v]) => (k === 'general.type' ? [k, { type: 'STRING', value: 'model' }] : [k, v]) as [string, KvValue]),
    [factor('blk.0.attn_q.weight', [32, 32])],
  );
  assert.match((await judged('llama.cpp', model.path)).refused ?? '', /general\.type is "model": llama_adapter_lora_init expects "adapter"/);
  await removeDir(model.dir);
  const other = await gguf(
    kv.map(([k, v]) => (k === 'adapter.type' ? [k, { type: 'STRING', value: 'control_vector' }] : [k, v]) as [string, KvValue]),
    ggufPair('blk.0.attn_q', 4, 32, 32),
  );
  assert.match((await judged('llama.cpp', other.path)).refused ?? '', /adapter\.type is "control_vector"/);
  await removeDir(other.dir);
});

test('llama.cpp: norm vectors are skipped, any other suffix, a lone half or an untransposed lora_a refuses the file', async () => {
  const kv = loraKv('llama', 16);
  const norm = { name: 'blk.0.attn_norm.weight', shape: [32], type: 'F32', values: new Array<number>(32).fill(1) } as const;
  const withNorm = await gguf(kv, [...ggufPair('blk.0.attn_q', 4, 32, 32), norm]);
  const j = await judged('llama.cpp', withNorm.path);
  assert.equal(j.refused, null);
  assert.match(dropReason(j, norm.name), /skips `_norm\.weight`/);
  assert.equal(j.loaded.length, 2);
  await removeDir(withNorm.dir);
  const odd = await gguf(kv, [...ggufPair('blk.0.attn_q', 4, 32, 32), factor('blk.0.attn_q.weight.alpha', [1, 1])]);
  assert.match((await judged('llama.cpp', odd.path)).refused ?? '', /"blk\.0\.attn_q\.weight\.alpha" has unexpected suffix/);
  await removeDir(odd.dir);
  const lone = await gguf(kv, [factor('blk.0.attn_q.weight.lora_a', [4, 32])]);
  assert.match((await judged('llama.cpp', lone.path)).refused ?? '', /missing one component \(lora_b\)/);
  await removeDir(lone.dir);
  // The old finetune example's layout: lora_a stored [in, r].
  const flipped = await gguf(kv, [factor('blk.0.attn_q.weight.lora_a', [32, 4]), factor('blk.0.attn_q.weight.lora_b', [48, 4])]);
  assert.match((await judged('llama.cpp', flipped.path)).refused ?? '', /lora_a tensor is not transposed/);
  await removeDir(flipped.dir);
});

const LORA = { peft_type: 'LORA', r: 4, lora_alpha: 8, target_modules: ['q_proj', 'v_proj', 'c_attn'], base_model_name_or_path: 'meta-llama/Llama-3.2-1B' };

async function peftFolder(tensors: ReturnType<typeof peftPair>, config: unknown = LORA): Promise<{ dir: string; path: string }> {
  const dir = await tempDir();
  const path = await writeFixture(dir, 'adapter_model.safetensors', tensors, { config });
  return { dir, path };
}

test('llama.cpp: PEFT folders whose modules the converter maps load fully after conversion (Llama, Qwen2.5 and GPT-2 corpus files)', async () => {
  const { dir, path } = await peftFolder([...peftPair('model.layers.0.self_attn.q_proj', 4, 16, 16), ...peftPair('model.embed_tokens', 4, 32, 16)]);
  assertLoadsFully(await judged('llama.cpp', path));
  await removeDir(dir);
  for (const id of ['peft-qwen25-muzammel', 'peft-tinygpt2']) assertLoadsFully(await judged('llama.cpp', corpusPath(id, 'adapter_model.safetensors')));
});

test('llama.cpp: the converter stops on DoRA, lora_bias, saved modules, other tuners, unmapped names and MoE target_parameters', async () => {
  const q = 'model.layers.0.self_attn.q_proj';
  for (const [extra, want] of [
    [tensor(`base_model.model.${q}.lora_magnitude_vector`, [16]), /Not a lora_A or lora_B tensor \(a DoRA magnitude/],
    [tensor(`base_model.model.${q}.lora_B.bias`, [16]), /\(a lora_bias term/],
    [tensor('base_model.model.lm_head.weight', [8, 16]), /embeddings in the adapter/],
    [tensor(`base_model.model.${q}.hada_w1_a`, [16, 4]), /Unexpected name ".*hada_w1_a": Not a lora_A or lora_B tensor$/],
  ] as const) {
    const { dir, path } = await peftFolder([...peftPair(q, 4, 16, 16), extra]);
    const j = await judged('llama.cpp', path);
    assert.match(j.refused ?? '', /^after convert_lora_to_gguf\.py: /);
    assert.match(j.refused ?? '', want);
    await removeDir(dir);
  }
  const unmapped = await peftFolder(peftPair('model.layers.0.self_attn.rotary_mixer', 4, 16, 16));
  assert.match((await judged('llama.cpp', unmapped.path)).refused ?? '', /Can not map tensor "model\.layers\.0\.self_attn\.rotary_mixer\.weight"/);
  await removeDir(unmapped.dir);
  const moe = await peftFolder([...peftPair('model.layers.0.mlp.experts.base_layer', 4, 16, 32), ...peftPair('model.layers.0.mlp.experts', 4, 16, 16)]);
  assert.match((await judged('llama.cpp', moe.path)).refused ?? '', /MoE expert weights \(target_parameters\) not supported/);
  await removeDir(moe.dir);
  // OPT has no llama.cpp names (convert_hf_to_gguf.py has no OPT model).
  assert.match((await judged('llama.cpp', corpusPath('peft-opt125m-bf16', 'adapter_model.safetensors'))).refused ?? '', /Can not map tensor "model\.decoder\.layers/);
});

test('llama.cpp: per-expert MoE factors map to the stacked experts; base-layer weights and layer norms are dropped', async () => {
  const experts = [0, 1].flatMap((e) => peftPair(`model.layers.0.mlp.experts.${e}.down_proj`, 4, 16, 16));
  const base = tensor('base_model.model.model.layers.0.self_attn.q_proj.base_layer.weight', [16, 16]);
  const norm = tensor('base_model.model.model.layers.0.input_layernorm.weight', [16]);
  const { dir, path } = await peftFolder([...experts, ...peftPair('model.layers.0.self_attn.q_proj', 4, 16, 16), base, norm]);
  const j = await judged('llama.cpp', path);
  assert.equal(j.refused, null);
  assert.equal(j.loaded.length, 6);
  assert.match(dropReason(j, base.name), /base layer weight, which the converter skips/);
  assert.match(dropReason(j, norm.name), /keeps layer norms, but llama\.cpp's loader skips/);
  await removeDir(dir);
});

test('llama.cpp: kohya, mlx and config-less files are refused before conversion; a diffusion file does not fit', async () => {
  const dir = await tempDir();
  const kohya = await writeFixture(dir, 'style.safetensors', [
    tensor('lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight', [4, 32]),
    tensor('lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight', [32, 4]),
  ]);
  const k = await judged('llama.cpp', kohya);
  assert.match(
    k.refused ?? '',
    /after convert_lora_to_gguf\.py: the converter reads a PEFT folder's adapter_model\.safetensors or adapter_model\.bin; this is "style\.safetensors"/,
  );
  assert.equal(k.fit.fits, false);
  await removeDir(dir);
  const mlx = await judged('llama.cpp', corpusPath('mlx-cli-adapters', 'adapters.safetensors'));
  assert.match(mlx.refused ?? '', /this is "adapters\.safetensors", a mlx/);
  const bare = await tempDir();
  const path = await writeFixture(bare, 'adapter_model.safetensors', peftPair('model.layers.0.self_attn.q_proj', 4, 16, 16));
  assert.match((await judged('llama.cpp', path)).refused ?? '', /no adapter_config\.json/);
  await removeDir(bare);
});

test('llama.cpp: a PEFT file of an unidentified model is not judged by default (the conversion depends on the base model), but is when asked', async () => {
  const { dir, path } = await peftFolder(peftPair('layers.0.q_proj', 4, 16, 16));
  const j = await judged('llama.cpp', path);
  assert.equal(j.fit.fits, false);
  assert.match(j.fit.reason, /conversion that depends on the base model/);
  assert.match(j.refused ?? '', /Can not map tensor/);
  await removeDir(dir);
});

test('llama.cpp: an OPT adapter does not fit by default (llama.cpp has no OPT model); a GPT-NeoX one does', async () => {
  const opt = await judged('llama.cpp', corpusPath('peft-opt125m-bf16', 'adapter_model.safetensors'));
  assert.equal(opt.fit.fits, false);
  assert.match(opt.fit.reason, /OPT 125M is not a model llama\.cpp serves/);
  assert.equal((await judged('llama.cpp', corpusPath('peft-opencalm1b-r1', 'adapter_model.safetensors'))).fit.fits, true);
});
