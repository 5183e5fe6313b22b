import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { DIFFUSERS_RULES } from '../../../../src/core/check/targets/diffusers';
import { drops, factor, judgeFixture, kohya, loha, peft, scalar } from './targetFixtures';

// Keys as each writer saves them: kohya sd-scripts (networks/lora.py, lora_flux.py), diffusers /
// PEFT (`unet.` / `transformer.` + lora_A/lora_B), XLabs x-flux (`double_blocks.N.processor.
// qkv_lora1.down.weight`), musubi-tuner / ComfyUI Wan (`diffusion_model.blocks.N…lora_down.weight`).

const SD_UNET = 'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q';
const SD_TE = 'lora_te_text_model_encoder_layers_0_self_attn_q_proj';

test('diffusers: SD kohya files convert fully; a DoRA scale is filtered out; lora_te2_ on SD 1.x has no text_encoder_2', async () => {
  const clean = await judgeFixture(DIFFUSERS_RULES, [...kohya(SD_UNET), ...kohya(SD_TE)], 'SD 1.x');
  assert.equal(clean.refused, null);
  assert.deepEqual(drops(clean), []);
  assert.equal(clean.loaded.length, 6);
  assert.equal(clean.fit.fits, true);
  const j = await judgeFixture(DIFFUSERS_RULES, [...kohya(SD_UNET), factor(`${SD_UNET}.dora_scale`, 1, 8), ...kohya('lora_te2_text_model_encoder_layers_0_mlp_fc1')], 'SD 1.x');
  assert.deepEqual(
    drops(j).map(([k, r]) => [k, r.slice(0, 30)]),
    [
      [`${SD_UNET}.dora_scale`, '`dora_scale` filtered out by l'],
      ['lora_te2_text_model_encoder_layers_0_mlp_fc1.lora_down.weight', '`lora_te2_` becomes text_encod'],
      ['lora_te2_text_model_encoder_layers_0_mlp_fc1.lora_up.weight', '`lora_te2_` becomes text_encod'],
      ['lora_te2_text_model_encoder_layers_0_mlp_fc1.alpha', '`lora_te2_` becomes text_encod'],
    ],
  );
  assert.equal(j.loaded.length, 3);
});

test('diffusers: a kohya-named LyCORIS file or a lone factor makes the SD conversion raise: refused', async () => {
  const lycoris = await judgeFixture(DIFFUSERS_RULES, [...kohya(SD_UNET), ...loha(SD_TE)], 'SD 1.x');
  assert.match(lycoris.refused ?? '', /"The following keys have not been correctly renamed" for `lora_te_text_model_encoder_layers_0_self_attn_q_proj\.hada_w1_a`/);
  const lone = await judgeFixture(DIFFUSERS_RULES, [...kohya(SD_UNET), factor(`${SD_TE}.lora_up.weight`, 8, 2)], 'SD 1.x');
  assert.match(lone.refused ?? '', /for `lora_te_text_model_encoder_layers_0_self_attn_q_proj\.lora_up\.weight`/);
});

test('diffusers: PEFT keys under unet. load; kohya keys among them and unknown prefixes drop; a file with no lora key is refused', async () => {
  const unet = 'unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q';
  const j = await judgeFixture(DIFFUSERS_RULES, [...peft(unet), ...kohya(SD_TE, false), ...peft('model.down_blocks.0.proj_in')], 'SD 1.x');
  assert.deepEqual(
    j.loaded,
    peft(unet).map((t) => t.name),
  );
  const reasons = new Map(drops(j));
  assert.match(reasons.get(`${SD_TE}.lora_down.weight`) ?? '', /kohya key among diffusers keys/);
  assert.match(reasons.get('model.down_blocks.0.proj_in.lora_A.weight') ?? '', /^unknown prefix `model\.`: load_lora_into_unet/);
  const none = await judgeFixture(DIFFUSERS_RULES, [factor('unet.down_blocks.0.proj_in.weight', 8, 8)], 'SD 1.x');
  assert.match(none.refused ?? '', /Invalid LoRA checkpoint/);
});

test('diffusers: Flux kohya converts BFL blocks and filters T5 and diff_b keys; a non-BFL lora_unet_ key raises "Incompatible keys"', async () => {
  const j = await judgeFixture(
    DIFFUSERS_RULES,
    [
      ...kohya('lora_unet_double_blocks_0_img_attn_qkv'),
      ...kohya('lora_unet_single_blocks_0_linear1'),
      ...kohya('lora_te3_encoder_block_0_layer_0_SelfAttention_q', false),
      factor('lora_unet_double_blocks_0_img_attn_qkv.diff_b', 1, 8),
    ],
    'FLUX.1',
  );
  assert.equal(j.refused, null);
  assert.equal(j.loaded.length, 6);
  assert.deepEqual([...new Set(j.dropped.map((d) => d.reason))], ['T5-XXL keys are filtered out (unsupported)', '`diff_b` keys are filtered out (unsupported)']);
  const bad = await judgeFixture(DIFFUSERS_RULES, [...kohya('lora_unet_double_blocks_0_img_attn_qkv'), ...kohya('lora_unet_transformer_blocks_0_attn_to_q')], 'FLUX.1');
  assert.match(bad.refused ?? '', /"Incompatible keys detected" for `lora_unet_transformer_blocks_0_attn_to_q\.lora_down\.weight`/);
});

test('diffusers: XLabs Flux keys convert, a stray one raises; PEFT transformer. keys load and alpha tensors are read as network alphas', async () => {
  const xlabs = ['double_blocks.0.processor.qkv_lora1', 'double_blocks.0.processor.proj_lora2', 'single_blocks.1.processor.qkv_lora'].flatMap((m) => [
    factor(`${m}.down.weight`, 2, 8),
    factor(`${m}.up.weight`, 8, 2),
  ]);
  const clean = await judgeFixture(DIFFUSERS_RULES, xlabs, 'FLUX.1');
  assert.deepEqual(drops(clean), []);
  assert.equal(clean.loaded.length, 6);
  const stray = await judgeFixture(DIFFUSERS_RULES, [...xlabs, factor('double_blocks.0.processor.norm.weight', 1, 8)], 'FLUX.1');
  assert.match(stray.refused ?? '', /_convert_xlabs_flux_lora_to_diffusers raises .* `double_blocks\.0\.processor\.norm\.weight`/);
  const module = 'transformer.single_transformer_blocks.0.proj_out';
  const diffusersFlux = await judgeFixture(DIFFUSERS_RULES, [...peft(module), scalar(`${module}.alpha`, 2)], 'FLUX.1');
  assert.deepEqual(drops(diffusersFlux), []);
  assert.equal(diffusersFlux.loaded.length, 3);
});

test('diffusers: a Wan file in the ComfyUI/musubi layout converts; one with LoHa keys makes the Wan converter raise; an LLM does not fit', async () => {
  const wan = await judgeFixture(DIFFUSERS_RULES, [...kohya('diffusion_model.blocks.0.self_attn.q'), factor('diffusion_model.blocks.0.self_attn.q.diff_b', 1, 8)], 'Wan 2.1 1.3B');
  assert.deepEqual(drops(wan), []);
  assert.equal(wan.loaded.length, 4);
  const bad = await judgeFixture(DIFFUSERS_RULES, [...kohya('diffusion_model.blocks.0.self_attn.q'), ...loha('diffusion_model.blocks.0.self_attn.k')], 'Wan 2.1 1.3B');
  assert.match(bad.refused ?? '', /_convert_non_diffusers_wan_lora_to_diffusers .* raises .* `diffusion_model\.blocks\.0\.self_attn\.k\.hada_w1_a`/);
  const llm = await judgeFixture(DIFFUSERS_RULES, peft('base_model.model.model.layers.0.self_attn.q_proj'), 'Qwen2.5 7B');
  assert.equal(llm.fit.fits, false);
});
