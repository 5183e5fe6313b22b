import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { placeOf } from '../../../src/core/adapter/place';
import { canonicalName, indexKeys, lookupKeys, mayBeModuleName } from '../../../src/host/hover/moduleKeys';

function keysOf(name: string): string[] {
  return indexKeys(name, placeOf(name).moduleType);
}

test('a PEFT tensor name reduces to the module path', () => {
  assert.equal(canonicalName('base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight'), 'model.layers.3.self_attn.q_proj');
  assert.equal(canonicalName('base_model.model.model.layers.3.self_attn.q_proj.lora_B.default.weight'), 'model.layers.3.self_attn.q_proj');
  assert.equal(canonicalName('unet.down_blocks.0.attentions.0.to_q.lora.down.weight'), 'unet.down_blocks.0.attentions.0.to_q');
  assert.equal(canonicalName('lora_unet_mid_block_attentions_0_proj_in.lora_down.weight'), 'lora_unet_mid_block_attentions_0_proj_in');
  assert.equal(canonicalName('model.layers.0.mlp.down_proj.lora_a'), 'model.layers.0.mlp.down_proj');
});

test('full paths, paths without the wrapping and short names all find a PEFT module', () => {
  const keys = new Set(keysOf('model.layers.3.self_attn.q_proj'));
  for (const text of ['base_model.model.model.layers.3.self_attn.q_proj', 'model.layers.3.self_attn.q_proj', 'layers.3.self_attn.q_proj', 'self_attn.q_proj', 'q_proj']) {
    assert.ok(
      lookupKeys(text).some((k) => keys.has(k)),
      text,
    );
  }
  assert.ok(!lookupKeys('k_proj').some((k) => keys.has(k)));
  assert.ok(!lookupKeys('model.layers.4.self_attn.q_proj').some((k) => keys.has(k)));
});

test('kohya names match with or without their prefix, and by their short type', () => {
  const name = 'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q';
  const keys = new Set(keysOf(name));
  for (const text of [name, `${name}.lora_up.weight`, 'down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q', 'attn1_to_q', 'to_q']) {
    assert.ok(
      lookupKeys(text).some((k) => keys.has(k)),
      text,
    );
  }
});

test('a kohya name finds the same module of a diffusers adapter', () => {
  const keys = new Set(keysOf('unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q'));
  assert.ok(lookupKeys('lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q').some((k) => keys.has(k)));
});

test('quotes and sentence punctuation around a hovered word are ignored; tiny words are not looked up', () => {
  assert.deepEqual(lookupKeys('"q_proj",'), ['q_proj']);
  assert.deepEqual(lookupKeys('q'), []);
  assert.ok(mayBeModuleName('model.layers.3.q_proj'));
  assert.ok(!mayBeModuleName('12'));
  assert.ok(!mayBeModuleName('a b'));
});
