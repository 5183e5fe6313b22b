import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { metadataContradictions } from '../../../src/core/check/contradictions';
import { identify } from '../../../src/core/check/identify';
import type { FixtureTensor } from '../../helpers/fixtures';
import { kohyaPair, peftConfig, peftPair, withAdapter } from './identifyFixtures';

test('identify: a q/v-only PEFT LoRA over all 32 layers of a 4096-wide, 8-kv-head model is Llama 3 8B or Mistral 7B, not Qwen3 8B', async () => {
  const tensors: FixtureTensor[] = [];
  for (let l = 0; l < 32; l++) {
    tensors.push(...peftPair(`model.layers.${l}.self_attn.q_proj`, 4096, 4096), ...peftPair(`model.layers.${l}.self_attn.v_proj`, 1024, 4096));
  }
  await withAdapter(tensors, { config: peftConfig('someone/llama-like-merge') }, (adapter) => {
    const id = identify(adapter);
    assert.equal(id.architecture?.name, 'Llama 3 8B or Mistral 7B');
    assert.ok((id.architecture?.confidence ?? 0) < 0.5, 'two candidates share the confidence');
    assert.deepEqual(metadataContradictions(adapter, id), []);
  });
  // The config naming one of the two decides between them, and says so.
  await withAdapter(tensors, { config: peftConfig('meta-llama/Meta-Llama-3-8B') }, (adapter) => {
    const id = identify(adapter);
    assert.equal(id.architecture?.name, 'Llama 3 8B');
    assert.ok(id.architecture?.evidence.some((e) => e.includes('base_model_name_or_path = meta-llama/Meta-Llama-3-8B names Llama 3 8B')));
    assert.deepEqual(metadataContradictions(adapter, id), []);
  });
});

test('identify: one layer of a Qwen2.5 7B LoRA is identified from its shapes alone; rsLoRA and DoRA flags name the algorithm', async () => {
  const tensors = [...peftPair('model.layers.3.self_attn.q_proj', 3584, 3584), ...peftPair('model.layers.3.self_attn.v_proj', 512, 3584)];
  await withAdapter(tensors, { config: peftConfig('Qwen/Qwen2.5-7B-Instruct', { use_rslora: true }) }, (adapter) => {
    const id = identify(adapter);
    assert.equal(id.architecture?.name, 'Qwen2.5 7B');
    assert.equal(id.algorithm, 'rsLoRA');
    assert.equal(id.writer?.name, 'PEFT');
    assert.deepEqual(metadataContradictions(adapter, id), []);
  });
});

test('identify: a base_model_name_or_path whose sizes the tensors lack is reported; the matching one is not', async () => {
  const tensors = [...peftPair('model.layers.0.self_attn.q_proj', 896, 896), ...peftPair('model.layers.0.self_attn.v_proj', 128, 896)];
  await withAdapter(tensors, { config: peftConfig('Qwen/Qwen2.5-7B-Instruct') }, (adapter) => {
    const id = identify(adapter);
    // Qwen2 0.5B has every size of Qwen2.5 0.5B, and the config names neither.
    assert.equal(id.architecture?.name, 'Qwen2.5 0.5B or Qwen2 0.5B');
    const findings = metadataContradictions(adapter, id);
    assert.equal(findings.length, 1);
    assert.equal(findings[0]?.code, 'METADATA_CONTRADICTS_TENSORS');
    assert.equal(findings[0]?.configKey, 'base_model_name_or_path');
    assert.match(findings[0]?.message ?? '', /Qwen2\.5 7B.*q_proj is \[896, 896\] but Qwen2\.5 7B has \[3584, 3584\]/);
  });
  await withAdapter(tensors, { config: peftConfig('Qwen/Qwen2.5-0.5B-Instruct') }, (adapter) => {
    const id = identify(adapter);
    assert.equal(id.architecture?.name, 'Qwen2.5 0.5B');
    assert.deepEqual(metadataContradictions(adapter, id), []);
  });
});

const SDXL_CROSS = [
  // SDXL UNet in kohya's SGM names: input_blocks.4.1 is a 640-wide transformer whose cross-attention reads 2048.
  ...kohyaPair('lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k', 640, 2048),
  ...kohyaPair('lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_v', 640, 2048),
  ...kohyaPair('lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q', 640, 640),
];

test('identify: a kohya SDXL LoRA whose ss_base_model_version agrees is clean', async () => {
  const metadata = { ss_network_module: 'networks.lora', ss_base_model_version: 'sdxl_base_v1-0' };
  await withAdapter(SDXL_CROSS, { metadata }, (adapter) => {
    const id = identify(adapter);
    assert.equal(id.writer?.name, 'kohya sd-scripts');
    assert.match(id.writer?.evidence ?? '', /ss_network_module = networks\.lora/);
    assert.equal(id.architecture?.name, 'SDXL');
    assert.deepEqual(metadataContradictions(adapter, id), []);
  });
});

test('identify: the same SDXL tensors under ss_base_model_version sd_v1 are a contradiction', async () => {
  const metadata = { ss_network_module: 'networks.lora', ss_base_model_version: 'sd_v1' };
  await withAdapter(SDXL_CROSS, { metadata }, (adapter) => {
    const id = identify(adapter);
    assert.equal(id.architecture?.name, 'SDXL');
    const findings = metadataContradictions(adapter, id);
    assert.equal(findings.length, 1);
    assert.equal(findings[0]?.severity, 'warning');
    assert.match(findings[0]?.message ?? '', /names SD 1\.x, but the module names and shapes are SDXL's/);
  });
});

test('identify: a layer index past the model depth rules a fingerprint out', async () => {
  // Qwen2.5 0.5B has 24 layers: a layer 30 with its shapes is no model of the table.
  const tensors = [...peftPair('model.layers.30.self_attn.q_proj', 896, 896), ...peftPair('model.layers.30.self_attn.v_proj', 128, 896)];
  await withAdapter(tensors, { config: peftConfig('toy/model') }, (adapter) => {
    assert.equal(identify(adapter).architecture, null);
  });
});

test('identify: a Wan 2.x 14B LoRA in musubi-tuner names (kohya lora_unet_ prefix on Wan blocks) is Wan 14B', async () => {
  // musubi-tuner networks/lora_wan.py targets WanAttentionBlock: blocks.N.self_attn.q, cross_attn.k, ffn.0.
  const tensors = [
    ...kohyaPair('lora_unet_blocks_39_self_attn_q', 5120, 5120),
    ...kohyaPair('lora_unet_blocks_39_cross_attn_k', 5120, 5120),
    ...kohyaPair('lora_unet_blocks_39_ffn_0', 13824, 5120),
  ];
  await withAdapter(tensors, { metadata: { ss_network_module: 'networks.lora_wan' } }, (adapter) => {
    const id = identify(adapter);
    assert.equal(id.architecture?.name, 'Wan 2.x 14B');
    assert.ok((id.architecture?.confidence ?? 0) > 0.9);
  });
});

test('identify: a kohya FLUX.1 LoRA in BFL block names, which HunyuanVideo shares, is told apart by its metadata family', async () => {
  // sd-scripts networks/lora_flux.py: lora_unet_double_blocks_N_img_attn_qkv, lora_unet_single_blocks_N_linear1.
  const tensors = [...kohyaPair('lora_unet_double_blocks_0_img_attn_qkv', 9216, 3072), ...kohyaPair('lora_unet_single_blocks_0_linear1', 21504, 3072)];
  await withAdapter(tensors, { metadata: { ss_network_module: 'networks.lora_flux', ss_base_model_version: 'flux1' } }, (adapter) => {
    const id = identify(adapter);
    assert.equal(id.architecture?.name, 'FLUX.1');
    assert.ok(id.architecture?.evidence.some((e) => e.includes('ss_base_model_version = flux1')));
    assert.deepEqual(metadataContradictions(adapter, id), []);
  });
  await withAdapter(tensors, { metadata: { ss_network_module: 'networks.lora' } }, (adapter) => {
    assert.equal(identify(adapter).architecture?.name, 'FLUX.1 or HunyuanVideo');
  });
});
