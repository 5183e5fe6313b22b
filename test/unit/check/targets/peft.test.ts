import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { corpusPath, removeDir, tempDir, writeFixture } from '../../../helpers/fixtures';
import { ggufBytes, loraKv } from '../../../helpers/ggufWriter';
import { assertLoadsFully, dropReason, judged, peftPair, tensor } from './judgeHelpers';

/** PEFT's key rules (set_peft_model_state_dict, check_target_module_exists) on PEFT save_pretrained layouts and others. */

const Q = 'model.layers.0.self_attn.q_proj';
const V = 'model.layers.0.self_attn.v_proj';
const LORA = { peft_type: 'LORA', r: 4, lora_alpha: 8, target_modules: ['q_proj', 'v_proj'] };

async function peftFile(tensors: ReturnType<typeof peftPair>, config: unknown): Promise<{ dir: string; path: string }> {
  const dir = await tempDir();
  const path = await writeFixture(dir, 'adapter_model.safetensors', tensors, { config });
  return { dir, path };
}

test('peft: a LoRA on its target_modules loads fully, and the corpus PEFT adapters do too (a SEQ_CLS head by its task)', async () => {
  const { dir, path } = await peftFile([...peftPair(Q, 4, 16, 16), ...peftPair(V, 4, 16, 8)], LORA);
  const j = await judged('peft', path);
  assertLoadsFully(j);
  assert.equal(j.fit.fits, true);
  await removeDir(dir);
  for (const id of ['peft-qwen25-muzammel', 'peft-gpt2-a', 'peft-opt125m-bf16', 'peft-tinygpt2']) {
    const corpus = await judged('peft', corpusPath(id, 'adapter_model.safetensors'));
    assertLoadsFully(corpus);
    assert.equal(corpus.fit.fits, true, id);
  }
});

test('peft: a module outside target_modules, or in exclude_modules, is unexpected', async () => {
  const k = 'model.layers.0.self_attn.k_proj';
  const { dir, path } = await peftFile([...peftPair(Q, 4, 16, 16), ...peftPair(k, 4, 16, 8)], LORA);
  const j = await judged('peft', path);
  assert.match(dropReason(j, `base_model.model.${k}.lora_A.weight`), /matches no target_modules entry \(q_proj, v_proj\)/);
  assert.deepEqual([...j.loaded].sort(), [`base_model.model.${Q}.lora_A.weight`, `base_model.model.${Q}.lora_B.weight`]);
  await removeDir(dir);
  const excluded = await peftFile(peftPair(Q, 4, 16, 16), { ...LORA, exclude_modules: ['q_proj'] });
  assert.match(dropReason(await judged('peft', excluded.path), `base_model.model.${Q}.lora_B.weight`), /exclude_modules/);
  await removeDir(excluded.dir);
  const layers = await peftFile(peftPair(Q, 4, 16, 16), { ...LORA, layers_to_transform: [1] });
  assert.match(dropReason(await judged('peft', layers.path), `base_model.model.${Q}.lora_A.weight`), /layer 0 is not listed in layers_to_transform/);
  await removeDir(layers.dir);
});

test('peft: lora_B.bias loads only with lora_bias, the DoRA magnitude only with use_dora', async () => {
  const bias = tensor(`base_model.model.${Q}.lora_B.bias`, [16]);
  const magnitude = tensor(`base_model.model.${Q}.lora_magnitude_vector`, [16]);
  const tensors = [...peftPair(Q, 4, 16, 16), bias, magnitude];
  const plain = await peftFile(tensors, LORA);
  const j = await judged('peft', plain.path);
  assert.match(dropReason(j, bias.name), /lora_bias = true/);
  assert.match(dropReason(j, magnitude.name), /use_dora = true/);
  await removeDir(plain.dir);
  const enabled = await peftFile(tensors, { ...LORA, lora_bias: true, use_dora: true });
  assertLoadsFully(await judged('peft', enabled.path));
  await removeDir(enabled.dir);
});

test('peft: a full weight loads under modules_to_save and is unexpected elsewhere', async () => {
  const head = tensor('base_model.model.lm_head.weight', [8, 16]);
  const without = await peftFile([...peftPair(Q, 4, 16, 16), head], LORA);
  assert.match(dropReason(await judged('peft', without.path), head.name), /modules_to_save/);
  await removeDir(without.dir);
  const saved = await peftFile([...peftPair(Q, 4, 16, 16), head], { ...LORA, modules_to_save: ['lm_head'] });
  assertLoadsFully(await judged('peft', saved.path));
  await removeDir(saved.dir);
});

test('peft: a rank the config does not give refuses the file (load_state_dict size mismatch); rank_pattern gives it', async () => {
  const tensors = [...peftPair(Q, 4, 16, 16), ...peftPair(V, 8, 16, 8)];
  const wrong = await peftFile(tensors, LORA);
  const j = await judged('peft', wrong.path);
  assert.match(j.refused ?? '', /size mismatch for "base_model\.model\.model\.layers\.0\.self_attn\.v_proj\.lora_A\.weight": rank 8 in the file, .* r = 4/);
  assert.deepEqual(j.loaded, []);
  await removeDir(wrong.dir);
  const patterned = await peftFile(tensors, { ...LORA, rank_pattern: { v_proj: 8 } });
  assertLoadsFully(await judged('peft', patterned.path));
  await removeDir(patterned.dir);
});

test('peft: MoE experts under target_parameters load as ParamWrapper layers', async () => {
  // PEFT's ParamWrapper on `mlp.experts` (gate_up_proj under experts.base_layer, down_proj on experts itself).
  const tensors = [...peftPair('model.layers.0.mlp.experts.base_layer', 4, 16, 32), ...peftPair('model.layers.0.mlp.experts', 4, 16, 16)];
  const { dir, path } = await peftFile(tensors, {
    peft_type: 'LORA',
    r: 4,
    lora_alpha: 8,
    target_modules: [],
    target_parameters: ['mlp.experts.gate_up_proj', 'mlp.experts.down_proj'],
  });
  assertLoadsFully(await judged('peft', path));
  await removeDir(dir);
  // With E = 8 experts the stored rank axes are r·E = 32 (lora_A [r·E, in], lora_B [out, r·E]): still loads.
  const eight = await peftFile([...peftPair('model.layers.0.mlp.experts.base_layer', 32, 16, 32), ...peftPair('model.layers.0.mlp.experts', 32, 16, 16)], {
    peft_type: 'LORA',
    r: 4,
    lora_alpha: 8,
    target_modules: [],
    target_parameters: ['mlp.experts.gate_up_proj', 'mlp.experts.down_proj'],
  });
  assertLoadsFully(await judged('peft', eight.path));
  await removeDir(eight.dir);
  // A stored rank that is no multiple of r is still a size mismatch.
  const odd = await peftFile(peftPair('model.layers.0.mlp.experts', 30, 16, 16), {
    peft_type: 'LORA',
    r: 4,
    lora_alpha: 8,
    target_modules: [],
    target_parameters: ['mlp.experts.down_proj'],
  });
  assert.match((await judged('peft', odd.path)).refused ?? '', /size mismatch/);
  await removeDir(odd.dir);
});

test('peft: no config, a config without peft_type or without targets, and GGUF are refused with the reason', async () => {
  const dir = await tempDir();
  const bare = await writeFixture(dir, 'adapter_model.safetensors', peftPair(Q, 4, 16, 16));
  assert.match((await judged('peft', bare)).refused ?? '', /no adapter_config\.json beside the file/);
  await removeDir(dir);
  const untyped = await peftFile(peftPair(Q, 4, 16, 16), { r: 4, target_modules: ['q_proj'] });
  assert.match((await judged('peft', untyped.path)).refused ?? '', /no peft_type/);
  await removeDir(untyped.dir);
  const untargeted = await peftFile(peftPair(Q, 4, 16, 16), { peft_type: 'LORA', r: 4 });
  assert.match((await judged('peft', untargeted.path)).refused ?? '', /neither target_modules nor target_parameters/);
  await removeDir(untargeted.dir);
});

test('peft: kohya and mlx layouts are refused, torchtune names under a PEFT config are all dropped', async () => {
  const dir = await tempDir();
  // kohya sd-scripts networks/lora.py: lora_unet_… .lora_down.weight [r, in], .lora_up.weight [out, r], .alpha.
  const kohya = await writeFixture(dir, 'style.safetensors', [
    tensor('lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight', [4, 32]),
    tensor('lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight', [32, 4]),
    { name: 'lora_unet_down_blocks_0_attentions_0_proj_in.alpha', shape: [], values: [4] },
  ]);
  const k = await judged('peft', kohya);
  assert.match(k.refused ?? '', /no adapter_config\.json .*kohya/i);
  assert.equal(k.fit.fits, false);
  await removeDir(dir);
  // mlx-lm tuner: adapters.safetensors with its own adapter_config.json (no peft_type).
  const mlxDir = await tempDir();
  const mlx = await writeFixture(mlxDir, 'adapters.safetensors', [tensor(`${Q}.lora_a`, [16, 4]), tensor(`${Q}.lora_b`, [4, 16])], {
    config: { fine_tune_type: 'lora', num_layers: 1, lora_parameters: { rank: 4, scale: 20, dropout: 0 } },
  });
  assert.match((await judged('peft', mlx)).refused ?? '', /no peft_type/);
  await removeDir(mlxDir);
  // torchtune/modules/peft/lora.py names (lora_a.weight / lora_b.weight, no base_model.model.).
  const tt = await peftFile([tensor('layers.0.attn.q_proj.lora_a.weight', [4, 16]), tensor('layers.0.attn.q_proj.lora_b.weight', [16, 4])], LORA);
  const t = await judged('peft', tt.path);
  assert.deepEqual(t.loaded, []);
  assert.match(dropReason(t, 'layers.0.attn.q_proj.lora_a.weight'), /no `base_model\.model\.` prefix/);
  await removeDir(tt.dir);
});

test('peft: a file saved with the adapter name left in (`lora_A.default.weight`) has unexpected keys; diffusers and GGUF files are refused', async () => {
  // What get_peft_model_state_dict leaves when the adapter name is not stripped (a hand-rolled export).
  const named = [tensor(`base_model.model.${Q}.lora_A.default.weight`, [4, 16]), tensor(`base_model.model.${Q}.lora_B.default.weight`, [16, 4])];
  const { dir, path } = await peftFile(named, LORA);
  const j = await judged('peft', path);
  assert.deepEqual(j.loaded, []);
  assert.match(dropReason(j, named[0].name), /"lora_A\.default\.weight" is not a parameter of PEFT's LoRA layer/);
  await removeDir(dir);
  // diffusers' `unet.….lora.up.weight` layout, without an adapter_config.json.
  const sd = await judged('peft', corpusPath('diffusers-sd15-unetprefix', '2100-lora.safetensors'));
  assert.match(sd.refused ?? '', /no adapter_config\.json beside the file \(a diffusers/);
  assert.equal(sd.fit.fits, false);
  const gdir = await tempDir();
  const gguf = join(gdir, 'adapter.gguf');
  await writeFile(gguf, ggufBytes({ kv: loraKv('llama', 8), tensors: [] }));
  for (const target of ['peft', 'vllm', 'mlx'] as const) assert.match((await judged(target, gguf)).refused ?? '', /GGUF/, target);
  await removeDir(gdir);
});

test('peft: an encoder adapter fits PEFT but not vLLM; a tuner whose key rules are not modelled is counted as loaded', async () => {
  const bert = corpusPath('peft-bert-seqcls', 'adapter_model.safetensors');
  const j = await judged('peft', bert);
  assertLoadsFully(j);
  assert.equal(j.fit.fits, true);
  const served = await judged('vllm', bert);
  assert.equal(served.fit.fits, false);
  assert.match(served.fit.reason, /BERT base is not a model vLLM serves/);
  // UniLoRA (peft_type UNILORA): not in the prefix table.
  assertLoadsFully(await judged('peft', corpusPath('peft-unilora-roberta', 'adapter_model.safetensors')));
});
