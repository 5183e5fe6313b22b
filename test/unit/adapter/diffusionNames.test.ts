import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { detectFormat } from '../../../src/core/adapter/detect';
import { fluxCanonicalPath, fusedSliceOf } from '../../../src/core/adapter/fluxNames';
import { canonicalComponent, kohyaName, kohyaPrefixOf, parseModuleName } from '../../../src/core/adapter/moduleNames';
import { placeOf } from '../../../src/core/adapter/place';
import { baseModuleKey } from '../../../src/core/subspace/names';
import { indexKeys, lookupKeys } from '../../../src/host/hover/moduleKeys';

/** The names table's diffusion entries, read alike by detection, base matching, resize and hover. */

const hoverFinds = (hovered: string, indexed: string): boolean => {
  const keys = new Set(indexKeys(indexed, placeOf(indexed).moduleType));
  return lookupKeys(hovered).some((k) => keys.has(k));
};

test('diffusion_model. is the denoiser: a diffusers-style component, written as lora_unet_ by resize, found by hover', () => {
  const name = 'diffusion_model.blocks.3.self_attn.q';
  assert.deepEqual(parseModuleName(name), { component: 'diffusion_model', path: 'blocks.3.self_attn.q', spelling: 'diffusers' });
  const group = { modules: [{ module: name, scheme: 'peft' as const, parts: new Map(), conflicts: [] }], unclassified: [] };
  assert.equal(detectFormat(group, null, null), 'diffusers');
  // diffusers reads diffusion_model. as kohya's lora_unet_ (lora_conversion_utils.py).
  assert.equal(kohyaName(name), 'lora_unet_blocks_3_self_attn_q');
  assert.equal(baseModuleKey(kohyaName(name)).key, baseModuleKey(name).key);
  assert.ok(hoverFinds('lora_unet_blocks_3_self_attn_q', name));
  for (const c of ['unet', 'transformer', 'diffusion_model']) assert.equal(canonicalComponent(c), 'unet');
  assert.equal(canonicalComponent('text_encoder'), 'text_encoder');
  assert.equal(canonicalComponent(null), null);
});

test('lycoris_ is a kohya prefix with no component', () => {
  assert.deepEqual(kohyaPrefixOf('lycoris_blocks_0_attn_to_q'), { prefix: 'lycoris_', component: null });
  assert.equal(baseModuleKey('lycoris_blocks_0_attn_to_q').path, 'blocks_0_attn_to_q');
  // Resize keeps the name LyCORIS' wrapper loads.
  assert.equal(kohyaName('lycoris_blocks_0_attn_to_q'), 'lycoris_blocks_0_attn_to_q');
});

test("FLUX's diffusers paths in BFL spelling; other paths unchanged; slices of fused weights", () => {
  assert.equal(fluxCanonicalPath('transformer_blocks_4_attn_to_out_0'), 'double_blocks_4_img_attn_proj');
  assert.equal(fluxCanonicalPath('transformer_blocks_4_attn_add_v_proj'), 'double_blocks_4_txt_attn_qkv_2');
  assert.equal(fluxCanonicalPath('single_transformer_blocks_37_proj_mlp'), 'single_blocks_37_linear1_3');
  assert.equal(fluxCanonicalPath('single_transformer_blocks_0_norm_linear'), 'single_blocks_0_modulation_lin');
  assert.equal(fluxCanonicalPath('x_embedder'), 'img_in');
  assert.equal(fluxCanonicalPath('down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q'), 'down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q');
  assert.equal(fluxCanonicalPath('transformer_blocks_0_attn1_to_q'), 'transformer_blocks_0_attn1_to_q');
  assert.deepEqual(fusedSliceOf('transformer.double_blocks.2.txt_attn.qkv.0'), { weight: 'transformer.double_blocks.2.txt_attn.qkv', index: 0, part: 'q' });
  assert.deepEqual(fusedSliceOf('lora_unet_single_blocks_5_linear1_3'), { weight: 'lora_unet_single_blocks_5_linear1', index: 3, part: 'mlp' });
  assert.equal(fusedSliceOf('lora_unet_double_blocks_0_img_mlp_0'), null);
  assert.equal(fusedSliceOf('lora_unet_single_blocks_5_linear1'), null);
});
