import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { metadataContradictions } from '../../../src/core/check/contradictions';
import { identify } from '../../../src/core/check/identify';
import type { FixtureTensor } from '../../helpers/fixtures';
import { kohyaPair, peftConfig, peftPair, values, withAdapter } from './identifyFixtures';

/** diffusers' save_lora_weights layout (PEFT factors under the component's prefix): `<module>.lora_A.weight` [r, in], `lora_B.weight` [out, r]. */
function diffusersPair(module: string, out: number, inp: number): FixtureTensor[] {
  return [
    { name: `${module}.lora_A.weight`, shape: [1, inp], values: values(inp), dtype: 'F16' },
    { name: `${module}.lora_B.weight`, shape: [out, 1], values: values(out), dtype: 'F16' },
  ];
}

async function architectureOf(tensors: readonly FixtureTensor[], config: unknown = peftConfig('someone/unnamed-base')): Promise<string | null> {
  let name: string | null = null;
  await withAdapter(tensors, { config }, (adapter) => {
    const id = identify(adapter);
    name = id.architecture?.name ?? null;
    assert.deepEqual(metadataContradictions(adapter, id), []);
  });
  return name;
}

/** q_proj and v_proj (and optionally gate_proj) of one decoder layer, PEFT names under `prefix`. */
function decoderLayer(prefix: string, layer: number, hidden: number, qOut: number, kvOut: number, inter?: number): FixtureTensor[] {
  const p = `${prefix}layers.${layer}.`;
  return [
    ...peftPair(`${p}self_attn.q_proj`, qOut, hidden),
    ...peftPair(`${p}self_attn.v_proj`, kvOut, hidden),
    ...(inter === undefined ? [] : peftPair(`${p}mlp.gate_proj`, inter, hidden)),
  ];
}

test('fingerprints: Gemma 3 4B, 12B and 27B each identify from their language-model shapes; the SigLIP tower beside them is left out', async () => {
  // transformers Gemma3ForConditionalGeneration names: language_model.model.layers.N…, vision_tower.vision_model.encoder.layers.N….
  const vision = peftPair('vision_tower.vision_model.encoder.layers.0.self_attn.q_proj', 1152, 1152);
  assert.equal(await architectureOf([...decoderLayer('language_model.model.', 33, 2560, 2048, 1024, 10240), ...vision]), 'Gemma 3 4B');
  assert.equal(await architectureOf(decoderLayer('language_model.model.', 47, 3840, 4096, 2048, 15360)), 'Gemma 3 12B');
  assert.equal(await architectureOf([...decoderLayer('model.language_model.', 61, 5376, 4096, 2048), ...vision]), 'Gemma 3 27B');
  // Gemma 2 9B shares Gemma 3 12B's attention widths (4096 / 2048) but not its hidden size.
  assert.equal(await architectureOf(decoderLayer('model.', 41, 3584, 4096, 2048)), 'Gemma 2 9B');
});

test('fingerprints: Phi-3 medium has Phi-4 sizes, so both are named unless the config names one; Phi-3 mini stays apart', async () => {
  // Phi3ForCausalLM: fused self_attn.qkv_proj [q + 2·kv, hidden] and mlp.gate_up_proj [2·inter, hidden].
  const medium = [...peftPair('model.layers.39.self_attn.qkv_proj', 5120 + 2 * 1280, 5120), ...peftPair('model.layers.39.mlp.gate_up_proj', 2 * 17920, 5120)];
  assert.equal(await architectureOf(medium), 'Phi-3 medium or Phi-4');
  assert.equal(await architectureOf(medium, peftConfig('microsoft/Phi-3-medium-4k-instruct')), 'Phi-3 medium');
  const mini = [...peftPair('model.layers.31.self_attn.qkv_proj', 9216, 3072), ...peftPair('model.layers.31.mlp.gate_up_proj', 16384, 3072)];
  assert.equal(await architectureOf(mini), 'Phi-3 mini');
});

test('fingerprints: Qwen2 1.5B and 0.5B share Qwen2.5 sizes and are named together unless the config names one', async () => {
  const small = decoderLayer('model.', 27, 1536, 1536, 256, 8960);
  assert.equal(await architectureOf(small), 'Qwen2.5 1.5B or Qwen2 1.5B');
  assert.equal(await architectureOf(small, peftConfig('Qwen/Qwen2-1.5B-Instruct')), 'Qwen2 1.5B');
  assert.equal(await architectureOf(small, peftConfig('Qwen/Qwen2.5-1.5B')), 'Qwen2.5 1.5B');
  const tiny = decoderLayer('model.', 23, 896, 896, 128, 4864);
  assert.equal(await architectureOf(tiny, peftConfig('Qwen/Qwen2-0.5B')), 'Qwen2 0.5B');
});

test('fingerprints: Qwen2.5 14B, 32B and 72B; 14B is not Llama 2 13B (kv width), 72B is told from Llama 3 70B by its MLP', async () => {
  assert.equal(await architectureOf([...decoderLayer('model.', 47, 5120, 5120, 1024), ...peftPair('model.layers.47.self_attn.k_proj', 1024, 5120)]), 'Qwen2.5 14B');
  assert.equal(await architectureOf(decoderLayer('model.', 39, 5120, 5120, 5120)), 'Llama 2 13B');
  assert.equal(await architectureOf(decoderLayer('model.', 63, 5120, 5120, 1024, 27648)), 'Qwen2.5 32B');
  assert.equal(await architectureOf(decoderLayer('model.', 79, 8192, 8192, 1024)), 'Llama 3 70B or Qwen2.5 72B');
  assert.equal(await architectureOf(decoderLayer('model.', 79, 8192, 8192, 1024, 29568)), 'Qwen2.5 72B');
  assert.equal(await architectureOf(decoderLayer('model.', 79, 8192, 8192, 1024, 28672)), 'Llama 3 70B');
});

test('fingerprints: SD3.5 medium is named by its dual-attention attn2; without it SD3 and SD3.5 medium are named together', async () => {
  const joint = [...diffusersPair('transformer.transformer_blocks.0.attn.to_q', 1536, 1536), ...diffusersPair('transformer.transformer_blocks.0.attn.add_q_proj', 1536, 1536)];
  assert.equal(await architectureOf([...joint, ...diffusersPair('transformer.transformer_blocks.12.attn2.to_q', 1536, 1536)], null), 'SD3.5 medium');
  assert.equal(await architectureOf(joint, null), 'SD3 medium or SD3.5 medium');
});

test('fingerprints: OpenCLIP ViT-bigG alone is its own entry; beside an SDXL UNet and CLIP-L it is SDXL, its text_encoder_2 shape cited', async () => {
  // kohya sd-scripts SDXL names: lora_te1_ (CLIP-L, 768), lora_te2_ (OpenCLIP bigG, 1280), lora_unet_ (SGM names).
  const te2 = [...kohyaPair('lora_te2_text_model_encoder_layers_31_self_attn_q_proj', 1280, 1280), ...kohyaPair('lora_te2_text_model_encoder_layers_31_mlp_fc1', 5120, 1280)];
  assert.equal(await architectureOf(te2, null), 'CLIP ViT-bigG/14 text encoder');
  const sdxl = [
    ...te2,
    ...kohyaPair('lora_te1_text_model_encoder_layers_11_self_attn_q_proj', 768, 768),
    ...kohyaPair('lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k', 640, 2048),
    ...kohyaPair('lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_v', 640, 2048),
  ];
  await withAdapter(sdxl, {}, (adapter) => {
    const arch = identify(adapter).architecture;
    assert.equal(arch?.name, 'SDXL');
    assert.ok(arch?.evidence.some((e) => e.includes('text_encoder_2/config.json')));
  });
});

test('fingerprints: Whisper large and small, T5 small, base and large each identify; depth and width keep them apart', async () => {
  // transformers WhisperForConditionalGeneration: model.encoder.layers.N.self_attn.q_proj, model.decoder.layers.N.encoder_attn.q_proj.
  const whisper = (d: number, last: number): FixtureTensor[] => [
    ...peftPair(`model.encoder.layers.${last}.self_attn.q_proj`, d, d),
    ...peftPair(`model.decoder.layers.${last}.encoder_attn.q_proj`, d, d),
    ...peftPair(`model.decoder.layers.${last}.self_attn.v_proj`, d, d),
  ];
  assert.equal(await architectureOf(whisper(1280, 31)), 'Whisper large');
  assert.equal(await architectureOf(whisper(768, 11)), 'Whisper small');
  // transformers T5ForConditionalGeneration: encoder.block.N.layer.0.SelfAttention.q, layer.1.DenseReluDense.wi.
  const t5 = (d: number, ff: number, last: number): FixtureTensor[] => [
    ...peftPair(`encoder.block.${last}.layer.0.SelfAttention.q`, d, d),
    ...peftPair(`encoder.block.${last}.layer.0.SelfAttention.v`, d, d),
    ...peftPair(`decoder.block.${last}.layer.2.DenseReluDense.wi`, ff, d),
  ];
  assert.equal(await architectureOf(t5(512, 2048, 5)), 'T5 small');
  assert.equal(await architectureOf(t5(768, 3072, 11)), 'T5 base');
  assert.equal(await architectureOf(t5(1024, 4096, 23)), 'T5 large');
});
