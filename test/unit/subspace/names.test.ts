import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { AdaptedModule, ModuleKind } from '../../../src/core/adapter/model';
import { matchModules } from '../../../src/core/subspace/match';
import { baseModuleKey } from '../../../src/core/subspace/names';

test('names of the same base module line up across PEFT, mlx-lm, kohya and diffusers', () => {
  const same: readonly (readonly string[])[] = [
    ['base_model.model.model.layers.3.self_attn.q_proj', 'model.layers.3.self_attn.q_proj'],
    ['unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q', 'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q'],
    ['unet.up_blocks.1.attentions.2.transformer_blocks.0.attn2.to_out.0', 'lora_unet_up_blocks_1_attentions_2_transformer_blocks_0_attn2_to_out_0'],
    [
      'text_encoder.text_model.encoder.layers.11.self_attn.out_proj',
      'lora_te_text_model_encoder_layers_11_self_attn_out_proj',
      'lora_te1_text_model_encoder_layers_11_self_attn_out_proj',
    ],
    ['text_encoder_2.text_model.encoder.layers.0.mlp.fc1', 'lora_te2_text_model_encoder_layers_0_mlp_fc1'],
    ['transformer.single_transformer_blocks.7.proj_out', 'lora_transformer_single_transformer_blocks_7_proj_out'],
  ];
  for (const names of same) {
    const keys = names.map((n) => baseModuleKey(n).key);
    for (const k of keys) assert.equal(k, keys[0], names.join(' ~ '));
  }
  const different: readonly (readonly [string, string])[] = [
    ['model.layers.3.self_attn.q_proj', 'model.layers.3.self_attn.k_proj'],
    ['model.layers.3.self_attn.q_proj', 'model.layers.13.self_attn.q_proj'],
    ['lora_te1_text_model_encoder_layers_0_mlp_fc1', 'lora_te2_text_model_encoder_layers_0_mlp_fc1'],
    ['unet.down_blocks.0.attentions.0.proj_in', 'text_encoder.down_blocks.0.attentions.0.proj_in'],
  ];
  for (const [x, y] of different) assert.notEqual(baseModuleKey(x).key, baseModuleKey(y).key, `${x} vs ${y}`);
  assert.deepEqual(baseModuleKey('lora_unet_mid_block_attentions_0_proj_out'), {
    component: 'unet',
    path: 'mid_block_attentions_0_proj_out',
    key: 'unet/mid_block_attentions_0_proj_out',
    loose: 'mid_block_attentions_0_proj_out',
  });
  assert.equal(baseModuleKey('model.model.layers.0.mlp.up_proj').loose, 'layers_0_mlp_up_proj');
});

function fake(name: string, shape: readonly [number, number] = [8, 8], kind: ModuleKind = 'linear'): AdaptedModule {
  return { name, kind, shape, rank: 2, maxRank: 2, alpha: null, scale: 1, scaleRule: '', scaleKnown: true, factors: null, tensors: {}, warnings: [] };
}

test('matching: exact keys, then loose keys; kind, shape, duplicate and missing modules listed with their reasons', () => {
  const a = [
    fake('model.layers.0.self_attn.q_proj'),
    fake('model.layers.0.self_attn.v_proj', [2, 8]),
    fake('model.layers.1.self_attn.q_proj'),
    fake('model.layers.2.mlp.up_proj', [16, 8]),
    fake('unet.conv_in', [4, 36], 'conv'),
    fake('lora_te_text_model_encoder_layers_0_mlp_fc1'),
    fake('lora_te1_text_model_encoder_layers_0_mlp_fc1'),
  ];
  const b = [
    fake('model.layers.0.self_attn.q_proj'),
    fake('model.layers.0.self_attn.v_proj', [4, 8]),
    fake('layers.2.mlp.up_proj', [16, 8]),
    fake('lora_unet_conv_in', [4, 36], 'linear'),
    fake('model.layers.5.self_attn.q_proj'),
  ];
  const { pairs, unmatched } = matchModules(a, b);
  assert.deepEqual(
    pairs.map((p) => [p.a.name, p.b.name, p.matchedBy]),
    [
      ['model.layers.0.self_attn.q_proj', 'model.layers.0.self_attn.q_proj', 'exact'],
      ['model.layers.2.mlp.up_proj', 'layers.2.mlp.up_proj', 'loose'],
    ],
  );
  const reasons = new Map(unmatched.map((u) => [`${u.side}:${u.name}`, u.reason]));
  assert.match(reasons.get('both:model.layers.0.self_attn.v_proj') ?? '', /shapes differ: 2×8 in A, 4×8 in B/);
  assert.match(reasons.get('both:unet.conv_in') ?? '', /kinds differ: conv in A, linear in B/);
  assert.match(reasons.get('a:model.layers.1.self_attn.q_proj') ?? '', /no module of B/);
  assert.match(reasons.get('b:model.layers.5.self_attn.q_proj') ?? '', /no module of A/);
  assert.match(reasons.get('a:lora_te_text_model_encoder_layers_0_mlp_fc1') ?? '', /2 modules of A adapt the same base module/);
  assert.match(reasons.get('a:lora_te1_text_model_encoder_layers_0_mlp_fc1') ?? '', /2 modules of A/);
  assert.equal(unmatched.length, 6);
});
