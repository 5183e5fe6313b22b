import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { corpusPath, removeDir, tempDir, writeFixture } from '../../../helpers/fixtures';
import { assertLoadsFully, dropReason, judged, peftPair, tensor } from './judgeHelpers';

/** vLLM's LoRA loading rules (PEFTHelper.validate_legal, from_local_checkpoint, parse_fine_tuned_lora_name) on PEFT layouts. */

const Q = 'model.layers.0.self_attn.q_proj';
const V = 'model.layers.0.self_attn.v_proj';
const LORA = { peft_type: 'LORA', r: 8, lora_alpha: 16, target_modules: ['q_proj', 'v_proj'] };

async function peftFile(tensors: ReturnType<typeof peftPair>, config: unknown, name = 'adapter_model.safetensors'): Promise<{ dir: string; path: string }> {
  const dir = await tempDir();
  const path = await writeFixture(dir, name, tensors, { config });
  return { dir, path };
}

test('vllm: a plain PEFT LoRA within the default max_lora_rank loads fully, the corpus Qwen2.5 adapter too', async () => {
  const { dir, path } = await peftFile([...peftPair(Q, 8, 16, 16), ...peftPair(V, 8, 16, 8)], LORA);
  assertLoadsFully(await judged('vllm', path));
  await removeDir(dir);
  const qwen = await judged('vllm', corpusPath('peft-qwen25-muzammel', 'adapter_model.safetensors'));
  assertLoadsFully(qwen);
  assert.equal(qwen.fit.fits, true);
  assert.match(qwen.fit.reason, /Qwen2\.5 0\.5B/);
});

test('vllm: a rank above the default max_lora_rank 16 is refused, naming the --max-lora-rank that fits', async () => {
  const big = await peftFile(peftPair(Q, 32, 64, 64), { ...LORA, r: 32 });
  const j = await judged('vllm', big.path);
  assert.match(j.refused ?? '', /rank 32 is greater than the default max_lora_rank 16: serve with --max-lora-rank 32/);
  assert.deepEqual(j.loaded, []);
  await removeDir(big.dir);
  const pattern = await peftFile(peftPair(Q, 8, 16, 16), { ...LORA, rank_pattern: { v_proj: 600 } });
  assert.match((await judged('vllm', pattern.path)).refused ?? '', /rank 600 is above the largest --max-lora-rank vLLM accepts \(512\)/);
  await removeDir(pattern.dir);
});

test('vllm: DoRA, lora_bias, bias, modules_to_save and PiSSA init are refused by validate_legal; the corpus lora_only-bias adapter too', async () => {
  for (const [extra, want] of [
    [{ use_dora: true }, /does not yet support DoRA/],
    [{ lora_bias: true }, /does not support LoRA bias/],
    [{ modules_to_save: ['lm_head'] }, /modules_to_save lm_head/],
    [{ init_lora_weights: 'pissa' }, /init_lora_weights "pissa"/],
  ] as const) {
    const { dir, path } = await peftFile(peftPair(Q, 8, 16, 16), { ...LORA, ...extra });
    assert.match((await judged('vllm', path)).refused ?? '', want);
    await removeDir(dir);
  }
  const ok = await peftFile(peftPair(Q, 8, 16, 16), { ...LORA, modules_to_save: ['score'], init_lora_weights: 'gaussian' });
  assertLoadsFully(await judged('vllm', ok.path));
  await removeDir(ok.dir);
  assert.match((await judged('vllm', corpusPath('peft-tinygpt2', 'adapter_model.safetensors'))).refused ?? '', /bias "lora_only": adapter bias is not supported/);
});

test('vllm: a key parse_fine_tuned_lora_name does not take, or a module vLLM cannot adapt, refuses the whole adapter', async () => {
  const bias = await peftFile([...peftPair(Q, 8, 16, 16), tensor(`base_model.model.${Q}.lora_B.bias`, [16])], LORA);
  assert.match((await judged('vllm', bias.path)).refused ?? '', /lora_B\.bias" is unsupported LoRA weight/);
  await removeDir(bias.dir);
  const magnitude = await peftFile([...peftPair(Q, 8, 16, 16), tensor(`base_model.model.${Q}.lora_magnitude_vector`, [16])], LORA);
  assert.match((await judged('vllm', magnitude.path)).refused ?? '', /DoRA magnitude vector/);
  await removeDir(magnitude.dir);
  const odd = await peftFile(peftPair('model.layers.0.self_attn.rotary_mixer', 8, 16, 16), LORA);
  assert.match((await judged('vllm', odd.path)).refused ?? '', /"rotary_mixer" is no linear or embedding layer name/);
  await removeDir(odd.dir);
});

test('vllm: base embedding weights are skipped, the rest loads', async () => {
  const base = tensor('base_model.model.model.embed_tokens.base_layer.weight', [32, 16]);
  const { dir, path } = await peftFile([...peftPair(Q, 8, 16, 16), base], LORA);
  const j = await judged('vllm', path);
  assert.equal(j.refused, null);
  assert.match(dropReason(j, base.name), /is_base_embedding_weights/);
  assert.equal(j.loaded.length, 2);
  await removeDir(dir);
});

test('vllm: MoE per-expert keys and target_parameters experts load; an unknown expert projection refuses', async () => {
  const experts = [0, 1].flatMap((e) => ['gate_proj', 'up_proj', 'down_proj'].flatMap((p) => peftPair(`model.layers.0.mlp.experts.${e}.${p}`, 8, 16, 16)));
  const perExpert = await peftFile(experts, { ...LORA, target_modules: ['gate_proj', 'up_proj', 'down_proj'] });
  assertLoadsFully(await judged('vllm', perExpert.path));
  await removeDir(perExpert.dir);
  const fused = await peftFile([...peftPair('model.layers.0.mlp.experts.base_layer', 8, 16, 32), ...peftPair('model.layers.0.mlp.experts', 8, 16, 16)], {
    ...LORA,
    target_modules: [],
    target_parameters: ['mlp.experts.gate_up_proj', 'mlp.experts.down_proj'],
  });
  assertLoadsFully(await judged('vllm', fused.path));
  await removeDir(fused.dir);
  const odd = await peftFile(peftPair('model.layers.0.mlp.experts.0.router_proj', 8, 16, 16), LORA);
  assert.match((await judged('vllm', odd.path)).refused ?? '', /MoE expert module .* is not one vLLM's FusedMoE LoRA maps/);
  await removeDir(odd.dir);
});

test('vllm: no config, missing required fields, another file name and GGUF are refused; a diffusion file does not fit', async () => {
  const bare = await tempDir();
  const path = await writeFixture(bare, 'adapter_model.safetensors', peftPair(Q, 8, 16, 16));
  assert.match((await judged('vllm', path)).refused ?? '', /no adapter_config\.json/);
  await removeDir(bare);
  const partial = await peftFile(peftPair(Q, 8, 16, 16), { peft_type: 'LORA', r: 8 });
  assert.match((await judged('vllm', partial.path)).refused ?? '', /lacks lora_alpha, target_modules/);
  await removeDir(partial.dir);
  const renamed = await peftFile(peftPair(Q, 8, 16, 16), LORA, 'my_lora.safetensors');
  assert.match((await judged('vllm', renamed.path)).refused ?? '', /named "my_lora\.safetensors"/);
  await removeDir(renamed.dir);
  const sd = await judged('vllm', corpusPath('diffusers-sd15-unetprefix', '2100-lora.safetensors'));
  assert.equal(sd.fit.fits, false);
  assert.notEqual(sd.refused, null);
});

test('vllm: keys with the adapter name left in (`lora_A.default.weight`) refuse the adapter, as vLLM reports them', async () => {
  const named = [tensor(`base_model.model.${Q}.lora_A.default.weight`, [8, 16]), tensor(`base_model.model.${Q}.lora_B.default.weight`, [16, 8])];
  const { dir, path } = await peftFile(named, LORA);
  assert.match((await judged('vllm', path)).refused ?? '', /"base_model\.model\.model\.layers\.0\.self_attn\.q_proj\.lora_A\.default\.weight" is unsupported LoRA weight/);
  await removeDir(dir);
});

test('vllm: by default it judges neither another PEFT tuner (UniLoRA) nor an unidentified model with convolutions; PEFT still fits the latter', async () => {
  const unilora = await judged('vllm', corpusPath('peft-unilora-roberta', 'adapter_model.safetensors'));
  assert.equal(unilora.fit.fits, false);
  assert.match(unilora.fit.reason, /vLLM serves LoRA adapters; this is PEFT type "UNILORA"/);
  const conv = corpusPath('pickle-peft-regression-lora_conv2d', 'adapter_model.bin');
  const v = await judged('vllm', conv);
  assert.equal(v.fit.fits, false);
  assert.match(v.fit.reason, /convolution modules/);
  assert.equal((await judged('peft', conv)).fit.fits, true);
});
