import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { KOHYA_RULES } from '../../../../src/core/check/targets/kohya';
import { drops, factor, judgeFixture, kohya, loha, peft } from './targetFixtures';

// Keys as kohya sd-scripts networks/lora.py (SD, SDXL) and lora_flux.py (FLUX.1) write them:
// `lora_unet_` / `lora_te_` / `lora_te1_` / `lora_te2_` + the module path with `.` → `_`.

const SDXL_UNET = 'lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn1_to_q';
const SDXL_TE1 = 'lora_te1_text_model_encoder_layers_0_self_attn_q_proj';
const SDXL_TE2 = 'lora_te2_text_model_encoder_layers_0_self_attn_q_proj';

test('kohya: a clean SDXL file (U-Net, both text encoders) loads every key and fits', async () => {
  const j = await judgeFixture(KOHYA_RULES, [...kohya(SDXL_UNET), ...kohya(SDXL_TE1), ...kohya(SDXL_TE2)], 'SDXL');
  assert.equal(j.refused, null);
  assert.deepEqual(drops(j), []);
  assert.equal(j.loaded.length, 9);
  assert.equal(j.fit.fits, true);
});

test('kohya: LDM block names, a foreign text encoder, dotted paths, DoRA scales and lone factors are dropped, each with its reason', async () => {
  const j = await judgeFixture(
    KOHYA_RULES,
    [
      ...kohya(SDXL_UNET),
      ...kohya('lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q', false),
      ...kohya('lora_te3_encoder_block_0_layer_0_SelfAttention_q', false),
      factor('lora_unet_down_blocks.1.attentions.0.proj_in.lora_down.weight', 2, 8),
      factor(`${SDXL_UNET}.dora_scale`, 1, 8),
      factor('lora_unet_mid_block_attentions_0_proj_out.lora_down.weight', 2, 8),
    ],
    'SDXL',
  );
  assert.equal(j.refused, null);
  assert.deepEqual(
    [...j.loaded].sort(),
    kohya(SDXL_UNET)
      .map((t) => t.name)
      .sort(),
  );
  const reasons = new Map(drops(j));
  assert.match(reasons.get('lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q.lora_down.weight') ?? '', /LDM\/SGM block names/);
  assert.match(reasons.get('lora_te3_encoder_block_0_layer_0_SelfAttention_q.lora_up.weight') ?? '', /`lora_te3_` is no text encoder of sd-scripts' SDXL network/);
  assert.match(reasons.get('lora_unet_down_blocks.1.attentions.0.proj_in.lora_down.weight') ?? '', /keeps `\.`/);
  assert.match(reasons.get(`${SDXL_UNET}.dora_scale`) ?? '', /^suffix `.+\.dora_scale`: a LoRAModule holds lora_down/);
  assert.match(reasons.get('lora_unet_mid_block_attentions_0_proj_out.lora_down.weight') ?? '', /without `lora_up\.weight`/);
  assert.equal(j.dropped.length, 7);
});

test('kohya: FLUX.1 with BFL names loads; diffusers Flux names under lora_unet_ and PEFT keys are dropped', async () => {
  const clean = await judgeFixture(KOHYA_RULES, [...kohya('lora_unet_double_blocks_0_img_attn_qkv'), ...kohya('lora_te1_text_model_encoder_layers_0_mlp_fc1')], 'FLUX.1');
  assert.deepEqual(drops(clean), []);
  assert.equal(clean.loaded.length, 6);
  const j = await judgeFixture(KOHYA_RULES, [...kohya('lora_unet_transformer_blocks_0_attn_to_q'), ...peft('transformer.single_transformer_blocks.0.proj_out')], 'FLUX.1');
  assert.deepEqual(j.loaded, []);
  assert.deepEqual(
    [...new Set(j.dropped.map((d) => d.reason))],
    [
      "diffusers Flux names; lora_flux.py's model has BFL names (double_blocks, single_blocks)",
      'unknown prefix `transformer.`: sd-scripts names modules lora_unet_ / lora_te1_ / lora_te3_',
    ],
  );
});

test('kohya: a LyCORIS LoHa file is refused (it loads only with LyCORIS installed); a Llama file does not fit', async () => {
  const j = await judgeFixture(KOHYA_RULES, [...loha(SDXL_UNET), ...kohya(SDXL_TE1)], 'SDXL');
  assert.match(j.refused ?? '', /hada_w1_a`\): sd-scripts loads it only with LyCORIS installed \(--network_module lycoris\.kohya\)/);
  const llm = await judgeFixture(KOHYA_RULES, peft('base_model.model.model.layers.0.self_attn.q_proj'), 'Llama 3 8B');
  assert.equal(llm.fit.fits, false);
  assert.match(llm.fit.reason, /SD 1\.x, SD 2\.x, SDXL, SD3 and FLUX\.1; this file is Llama 3 8B/);
});
