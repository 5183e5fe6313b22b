import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { COMFYUI_RULES } from '../../../../src/core/check/targets/comfyui';
import type { FixtureTensor } from '../../../helpers/fixtures';
import { drops, factor, judgeFixture, kohya, loha, peft, scalar } from './targetFixtures';

// Keys in the layouts ComfyUI's comfy/lora.py load_lora reads: kohya (sd-scripts networks/lora.py),
// PEFT/diffusers (`transformer.` + lora_A/lora_B, as ai-toolkit and diffusers save Flux LoRAs),
// old diffusers attention processors (`unet.` + `.processor.to_q.lora.down.weight`), LyCORIS LoHa
// (lycoris/modules/loha.py) and LyCORIS full-rank `diff` / `diff_b`.

const UNET = 'lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn1_to_q';

test('comfyui: kohya, LoHa and diff keys on SDXL and PEFT keys on FLUX.1 load fully; both fit', async () => {
  const sdxl = await judgeFixture(
    COMFYUI_RULES,
    [...kohya(UNET), ...loha('lora_te1_text_model_encoder_layers_0_mlp_fc1'), factor('lora_unet_conv_in.diff', 8, 8), factor('lora_unet_conv_in.diff_b', 1, 8)],
    'SDXL',
  );
  assert.equal(sdxl.refused, null);
  assert.deepEqual(drops(sdxl), []);
  assert.equal(sdxl.loaded.length, 10);
  assert.equal(sdxl.fit.fits, true);
  const flux = await judgeFixture(COMFYUI_RULES, [...peft('transformer.single_transformer_blocks.0.proj_out'), ...peft('transformer.transformer_blocks.0.attn.to_q')], 'FLUX.1');
  assert.deepEqual(drops(flux), []);
  assert.equal(flux.loaded.length, 4);
  const processor = await judgeFixture(
    COMFYUI_RULES,
    [
      factor('unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.processor.to_q.lora.down.weight', 2, 8),
      factor('unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.processor.to_q.lora.up.weight', 8, 2),
    ],
    'SD 1.x',
  );
  assert.deepEqual(drops(processor), []);
});

test('comfyui: "lora key not loaded" for an unknown prefix, a broken suffix, dotted kohya paths, DiT names on a U-Net, attention names without .processor., lone factors', async () => {
  const j = await judgeFixture(
    COMFYUI_RULES,
    [
      ...kohya(UNET),
      ...kohya('foo_unet_down_blocks_0_proj_in', false),
      factor(`${UNET}.lora_down`, 2, 8),
      factor('lora_unet_down_blocks.0.attentions.0.proj_in.lora_down.weight', 2, 8),
      factor('lora_unet_down_blocks.0.attentions.0.proj_in.lora_up.weight', 8, 2),
      ...peft('transformer.transformer_blocks.0.attn.to_q'),
      factor('unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_k.lora.down.weight', 2, 8),
      factor('unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_k.lora.up.weight', 8, 2),
      factor('lora_unet_mid_block_attentions_0_proj_out.lora_down.weight', 2, 8),
      factor('lora_unet_mid_block_attentions_0_proj_out.lora_mid.weight', 2, 2),
    ],
    'SDXL',
  );
  assert.equal(j.refused, null);
  assert.deepEqual(
    [...j.loaded].sort(),
    kohya(UNET)
      .map((t) => t.name)
      .sort(),
  );
  const reasons = new Map(drops(j));
  assert.match(reasons.get('foo_unet_down_blocks_0_proj_in.lora_up.weight') ?? '', /^unknown prefix `foo_`/);
  assert.match(reasons.get(`${UNET}.lora_down`) ?? '', /a suffix load_lora reads for no adapter type \("lora key not loaded"\)/);
  assert.match(reasons.get('lora_unet_down_blocks.0.attentions.0.proj_in.lora_up.weight') ?? '', /`lora_unet_` name keeps `\.` in its module path/);
  assert.match(reasons.get('transformer.transformer_blocks.0.attn.to_q.lora_A.weight') ?? '', /`transformer\.` names a DiT's modules; SDXL is a U-Net/);
  assert.match(reasons.get('unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_k.lora.up.weight') ?? '', /without `\.processor\.`/);
  assert.match(reasons.get('lora_unet_mid_block_attentions_0_proj_out.lora_down.weight') ?? '', /`\.lora_down\.weight` without `\.lora_up\.weight`/);
  assert.match(reasons.get('lora_unet_mid_block_attentions_0_proj_out.lora_mid.weight') ?? '', /read only beside `\.lora_up\.weight`/);
  assert.equal(j.dropped.length, 11);
});

test('comfyui: an up factor without its down, or a LoHa missing a factor, makes load_lora raise: refused', async () => {
  const up = await judgeFixture(COMFYUI_RULES, [factor(`${UNET}.lora_up.weight`, 8, 2), scalar(`${UNET}.alpha`, 2)], 'SDXL');
  assert.match(up.refused ?? '', /lora_up\.weight` without its `\.lora_down\.weight`: load_lora raises KeyError/);
  const partial = loha(UNET).filter((t) => !t.name.endsWith('hada_w2_b'));
  const j = await judgeFixture(COMFYUI_RULES, partial, 'SDXL');
  assert.match(j.refused ?? '', /hada_w1_a` without `\.hada_w2_b`/);
});

test('comfyui: LyCORIS OFT blocks load when 3-D (OFT) or 4-D (BOFT), with their rescale; other shapes are not read', async () => {
  const oft = (module: string, shape: number[]): FixtureTensor => ({
    name: `${module}.oft_blocks`,
    shape,
    values: new Array<number>(shape.reduce((a, b) => a * b, 1)).fill(0.1),
    dtype: 'F32',
  });
  const j = await judgeFixture(
    COMFYUI_RULES,
    [
      oft(UNET, [4, 2, 2]),
      factor(`${UNET}.rescale`, 8, 1),
      oft('lora_unet_mid_block_attentions_0_proj_out', [2, 4, 2, 2]),
      oft('lora_unet_conv_in', [4, 4]),
      factor('lora_unet_conv_in.rescale', 8, 1),
    ],
    'SDXL',
  );
  assert.deepEqual(j.loaded, [`${UNET}.oft_blocks`, `${UNET}.rescale`, 'lora_unet_mid_block_attentions_0_proj_out.oft_blocks']);
  assert.deepEqual(drops(j), [
    ['lora_unet_conv_in.oft_blocks', '`.oft_blocks` of 2 dimensions: OFT reads 3-D blocks, BOFT 4-D'],
    ['lora_unet_conv_in.rescale', '`.rescale` is read only beside 3-D or 4-D `.oft_blocks`'],
  ]);
});

test('comfyui: a language model file does not fit', async () => {
  const llm = await judgeFixture(COMFYUI_RULES, peft('base_model.model.model.layers.0.self_attn.q_proj'), 'Llama 3 8B');
  assert.equal(llm.fit.fits, false);
});
