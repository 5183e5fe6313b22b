import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { metadataContradictions } from '../../../src/core/check/contradictions';
import { identify } from '../../../src/core/check/identify';
import type { FixtureTensor } from '../../helpers/fixtures';
import { kohyaPair, values, withAdapter } from './identifyFixtures';

test('identify: OneTrainer is named from its ot_ keys, not taken for kohya by the ss_base_model_version it adds', async () => {
  // OneTrainer's legacy LoRA save (modules/modelSaver/mixin/LoRASaverMixin.py __save_legacy_safetensors →
  // omi_model_standards convert_to_legacy_diffusers): SDXL keys under lora_unet_ / lora_te1_ / lora_te2_ in
  // diffusers block names, lora_down / lora_up / alpha; the header is ModelSpec + ot_branch / ot_revision +
  // ss_base_model_version "sdxl_" (DtypeModelSaverMixin._create_safetensors_header).
  const tensors = [
    ...kohyaPair('lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn2_to_k', 640, 2048),
    ...kohyaPair('lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn2_to_v', 640, 2048),
    ...kohyaPair('lora_te2_text_model_encoder_layers_0_self_attn_q_proj', 1280, 1280),
  ];
  const metadata = {
    'modelspec.sai_model_spec': '1.0.0',
    'modelspec.architecture': 'stable-diffusion-xl-v1-base/lora',
    'modelspec.implementation': 'https://github.com/Stability-AI/generative-models',
    'modelspec.date': '2025-01-01',
    ot_branch: 'master',
    ot_revision: '2676d330dffe1431d115b9874c3801de0803f174',
    ss_base_model_version: 'sdxl_',
  };
  await withAdapter(tensors, { metadata }, (adapter) => {
    const id = identify(adapter);
    assert.equal(id.writer?.name, 'OneTrainer');
    assert.match(id.writer?.evidence ?? '', /ot_revision = 2676d330/);
    assert.equal(id.architecture?.name, 'SDXL');
    assert.deepEqual(metadataContradictions(adapter, id), []);
  });
});

test('identify: SimpleTuner is named from global_step beside its diffusers ModelSpec keys, not taken for kohya by ss_tag_frequency', async () => {
  // SimpleTuner saves through diffusers save_lora_weights (transformer.<module>.lora_A / lora_B) and adds
  // modelspec.* with implementation "diffusers", global_step and ss_tag_frequency
  // (simpletuner/helpers/training/save_hooks.py _build_modelspec_metadata, _build_trigger_words_metadata).
  const pair = (module: string, out: number, inp: number): FixtureTensor[] => [
    { name: `transformer.${module}.lora_A.weight`, shape: [1, inp], values: values(inp), dtype: 'BF16' },
    { name: `transformer.${module}.lora_B.weight`, shape: [out, 1], values: values(out), dtype: 'BF16' },
  ];
  const tensors = [
    ...pair('single_transformer_blocks.0.attn.to_q', 3072, 3072),
    ...pair('single_transformer_blocks.0.proj_out', 3072, 15360),
    ...pair('transformer_blocks.0.attn.add_q_proj', 3072, 3072),
  ];
  const metadata = {
    'modelspec.sai_model_spec': '1.0.1',
    global_step: '500',
    'modelspec.architecture': 'flux-dev/lora',
    'modelspec.implementation': 'diffusers',
    'modelspec.title': 'my-run',
    ss_tag_frequency: '{"subject": {"a photo": 3}}',
  };
  await withAdapter(tensors, { metadata }, (adapter) => {
    const id = identify(adapter);
    assert.equal(id.writer?.name, 'SimpleTuner');
    assert.match(id.writer?.evidence ?? '', /global_step = 500 .*modelspec\.architecture = flux-dev\/lora/);
    assert.equal(id.architecture?.name, 'FLUX.1');
    assert.deepEqual(metadataContradictions(adapter, id), []);
  });
  // ModelSpec keys without global_step (another writer's) name no SimpleTuner.
  const { global_step: _dropped, ...withoutStep } = metadata;
  await withAdapter(tensors, { metadata: withoutStep }, (adapter) => {
    assert.notEqual(identify(adapter).writer?.name, 'SimpleTuner');
  });
});

/**
 * musubi-tuner's header (src/musubi_tuner/training/trainer_base.py): ss_base_model_version is the
 * trainer's architecture_full_name (dataset/architectures.py), ss_network_module the --network_module.
 */
function musubiMetadata(architecture: string, module: string): Record<string, string> {
  return { ss_base_model_version: architecture, ss_network_module: module, ss_network_dim: '1', ss_network_alpha: '1', ss_session_id: '1' };
}

test('identify: musubi-tuner Wan names (lora_unet_blocks_N_…) and metadata name the writer and the Wan size', async () => {
  // networks/lora_wan.py: prefix lora_unet, WanAttentionBlock modules blocks.N.self_attn.q, cross_attn.k, ffn.0.
  const tensors = [
    ...kohyaPair('lora_unet_blocks_29_self_attn_q', 1536, 1536),
    ...kohyaPair('lora_unet_blocks_29_cross_attn_k', 1536, 4096),
    ...kohyaPair('lora_unet_blocks_29_ffn_0', 8960, 1536),
  ];
  await withAdapter(tensors, { metadata: musubiMetadata('wan', 'networks.lora_wan') }, (adapter) => {
    const id = identify(adapter);
    assert.equal(id.writer?.name, 'musubi-tuner');
    assert.match(id.writer?.evidence ?? '', /ss_base_model_version = wan/);
    assert.equal(id.architecture?.name, 'Wan 2.1 1.3B');
  });
  // The network module alone names musubi-tuner too: sd-scripts has no lora_wan.
  await withAdapter(tensors, { metadata: { ss_network_module: 'networks.lora_wan' } }, (adapter) => {
    assert.equal(identify(adapter).writer?.name, 'musubi-tuner');
  });
});

test("identify: a musubi-tuner HunyuanVideo LoRA in FLUX's block names is HunyuanVideo by its ss_base_model_version", async () => {
  // networks/lora.py (HunyuanVideo): lora_unet_double_blocks_N_img_attn_qkv, lora_unet_single_blocks_N_linear1
  // (hunyuan_model/models.py: img_attn_qkv 3·3072, linear1 3·3072 + 4·3072).
  const tensors = [...kohyaPair('lora_unet_double_blocks_0_img_attn_qkv', 9216, 3072), ...kohyaPair('lora_unet_single_blocks_0_linear1', 21504, 3072)];
  await withAdapter(tensors, { metadata: musubiMetadata('hunyuan_video', 'networks.lora') }, (adapter) => {
    const id = identify(adapter);
    assert.equal(id.writer?.name, 'musubi-tuner');
    assert.equal(id.architecture?.name, 'HunyuanVideo');
    assert.ok(id.architecture?.evidence.some((e) => e.includes('ss_base_model_version = hunyuan_video names HunyuanVideo')));
    assert.deepEqual(metadataContradictions(adapter, id), []);
  });
});

test('identify: a musubi-tuner FramePack LoRA (FLUX-sized diffusers blocks) is FramePack by its metadata or by a block FLUX.1 lacks', async () => {
  // networks/lora_framepack.py: prefix lora_unet on HunyuanVideoTransformerBlock / HunyuanVideoSingleTransformerBlock
  // (frame_pack/hunyuan_video_packed.py: transformer_blocks, single_transformer_blocks; proj_out [3072, 3072 + 12288]).
  const blocks = (single: number): FixtureTensor[] => [
    ...kohyaPair('lora_unet_transformer_blocks_0_attn_to_q', 3072, 3072),
    ...kohyaPair('lora_unet_transformer_blocks_0_attn_add_q_proj', 3072, 3072),
    ...kohyaPair(`lora_unet_single_transformer_blocks_${single}_attn_to_q`, 3072, 3072),
    ...kohyaPair(`lora_unet_single_transformer_blocks_${single}_proj_out`, 3072, 15360),
  ];
  await withAdapter(blocks(0), { metadata: musubiMetadata('framepack', 'networks.lora_framepack') }, (adapter) => {
    const id = identify(adapter);
    assert.equal(id.writer?.name, 'musubi-tuner');
    assert.equal(id.architecture?.name, 'FramePack');
    assert.deepEqual(metadataContradictions(adapter, id), []);
  });
  // Without the metadata the shapes are FLUX.1's, and FLUX.1 is named; FLUX.1 has 38 single blocks, so index 39 is not its.
  await withAdapter(blocks(0), {}, (adapter) => assert.equal(identify(adapter).architecture?.name, 'FLUX.1'));
  await withAdapter(blocks(39), {}, (adapter) => assert.equal(identify(adapter).architecture?.name, 'FramePack'));
});

test('identify: kohya sd-scripts keeps its name where the metadata is its own', async () => {
  const tensors = kohyaPair('lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k', 640, 2048);
  await withAdapter(tensors, { metadata: { ss_network_module: 'networks.lora', ss_base_model_version: 'sdxl_base_v1-0' } }, (adapter) => {
    assert.equal(identify(adapter).writer?.name, 'kohya sd-scripts');
  });
});
