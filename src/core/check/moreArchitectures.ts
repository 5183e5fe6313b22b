import { llamaLike } from './architectures';
import type { Fingerprint } from './architectures';

/**
 * More base-architecture fingerprints, each from its model's public config (cited per entry), in
 * the table's pattern language (see architectures.ts). Models whose every adapted shape is the
 * same (Qwen2 and Qwen2.5 at 0.5B and 1.5B, Phi-3 medium and Phi-4) are both listed, so that a
 * file fitting both names both unless its config names one.
 */

/** The SigLIP vision tower and projector beside Gemma 3's language model (Gemma3ForConditionalGeneration). */
const GEMMA3_VISION = /vision_tower|vision_model|multi_modal_projector/;

/** Gemma 3's multimodal checkpoints: the language model's blocks, the vision tower left out. */
function gemma3(name: string, source: string, hidden: number, layers: number, inter: number, qOut: number, kvOut: number): Fingerprint {
  return { ...llamaLike(name, source, hidden, layers, inter, qOut, kvOut), skip: GEMMA3_VISION };
}

/** Phi-3's fused blocks: qkv_proj (q + 2 kv heads' worth), gate_up_proj (2 · intermediate). */
function phi3(name: string, source: string, hidden: number, layers: number, inter: number, kvOut: number): Fingerprint {
  return {
    name,
    source,
    markers: ['layers.#.self.attn.qkv.proj', 'layers.#.mlp.gate.up.proj'],
    layers,
    shapes: [
      { pattern: 'layers.#.self.attn.qkv.proj', shape: [hidden + 2 * kvOut, hidden] },
      { pattern: 'layers.#.self.attn.o.proj', shape: [hidden, hidden] },
      { pattern: 'layers.#.mlp.gate.up.proj', shape: [2 * inter, hidden] },
      { pattern: 'layers.#.mlp.down.proj', shape: [hidden, inter] },
    ],
  };
}

/** T5's encoder-decoder blocks (`block.#.layer.#.SelfAttention.q`, `DenseReluDense.wi`); q is heads · d_kv wide. */
function t5(name: string, source: string, dModel: number, layers: number, dFf: number, inner: number): Fingerprint {
  return {
    name,
    source,
    markers: ['block.#.layer.#.(SelfAttention|EncDecAttention).[qkvo]'],
    layers,
    shapes: [
      { pattern: 'block.#.layer.#.SelfAttention.q', shape: [inner, dModel] },
      { pattern: 'block.#.layer.#.SelfAttention.v', shape: [inner, dModel] },
      { pattern: 'block.#.layer.#.DenseReluDense.wi', shape: [dFf, dModel] },
    ],
  };
}

export const MORE_FINGERPRINTS: readonly Fingerprint[] = [
  // Qwen/Qwen2-0.5B config.json: hidden 896, 24 layers, intermediate 4864, 14 heads, 2 kv heads (head 64); Qwen2.5 0.5B's sizes.
  llamaLike('Qwen2 0.5B', 'Qwen/Qwen2-0.5B config.json', 896, 24, 4864, 896, 128),
  // Qwen/Qwen2-1.5B config.json: hidden 1536, 28 layers, intermediate 8960, 12 heads, 2 kv heads (head 128); Qwen2.5 1.5B's sizes.
  llamaLike('Qwen2 1.5B', 'Qwen/Qwen2-1.5B config.json', 1536, 28, 8960, 1536, 256),
  // Qwen/Qwen2.5-14B config.json: hidden 5120, 48 layers, intermediate 13824, 40 heads, 8 kv heads (head 128).
  llamaLike('Qwen2.5 14B', 'Qwen/Qwen2.5-14B config.json', 5120, 48, 13824, 5120, 1024),
  // Qwen/Qwen2.5-32B config.json: hidden 5120, 64 layers, intermediate 27648, 40 heads, 8 kv heads (head 128).
  llamaLike('Qwen2.5 32B', 'Qwen/Qwen2.5-32B config.json', 5120, 64, 27648, 5120, 1024),
  // Qwen/Qwen2.5-72B config.json: hidden 8192, 80 layers, intermediate 29568, 64 heads, 8 kv heads (head 128).
  llamaLike('Qwen2.5 72B', 'Qwen/Qwen2.5-72B config.json', 8192, 80, 29568, 8192, 1024),
  // google/gemma-3-4b-pt config.json text_config: hidden 2560, 34 layers, intermediate 10240, 8 heads × head_dim 256, 4 kv heads.
  gemma3('Gemma 3 4B', 'google/gemma-3-4b-pt config.json', 2560, 34, 10240, 2048, 1024),
  // google/gemma-3-12b-pt config.json text_config: hidden 3840, 48 layers, intermediate 15360, 16 heads × 256, 8 kv heads.
  gemma3('Gemma 3 12B', 'google/gemma-3-12b-pt config.json', 3840, 48, 15360, 4096, 2048),
  // google/gemma-3-27b-pt config.json text_config: hidden 5376, 62 layers, intermediate 21504, 32 heads × head_dim 128, 16 kv heads.
  gemma3('Gemma 3 27B', 'google/gemma-3-27b-pt config.json', 5376, 62, 21504, 4096, 2048),
  // microsoft/Phi-3-medium-4k-instruct config.json: hidden 5120, 40 layers, intermediate 17920, 40 heads, 10 kv heads (head 128).
  phi3('Phi-3 medium', 'microsoft/Phi-3-medium-4k-instruct config.json', 5120, 40, 17920, 1280),
  // microsoft/phi-4 config.json (model_type phi3): hidden 5120, 40 layers, intermediate 17920, 40 heads, 10 kv heads; Phi-3 medium's sizes.
  phi3('Phi-4', 'microsoft/phi-4 config.json', 5120, 40, 17920, 1280),
  // stabilityai/stable-diffusion-3.5-medium transformer/config.json: 24 heads × 64 = 1536, 24 layers, dual_attention_layers 0–12 (attn2).
  {
    name: 'SD3.5 medium',
    source: 'stabilityai/stable-diffusion-3.5-medium transformer/config.json',
    markers: ['joint.blocks.#', 'transformer.blocks.#.attn.add.[qkv].proj', 'transformer.blocks.#.attn2.to.[qkv]'],
    layers: 24,
    shapes: [
      { pattern: 'transformer.blocks.#.attn.to.q', shape: [1536, 1536] },
      { pattern: 'transformer.blocks.#.attn.add.q.proj', shape: [1536, 1536] },
      { pattern: 'transformer.blocks.#.attn2.to.q', shape: [1536, 1536] },
    ],
  },
  // stabilityai/stable-diffusion-xl-base-1.0 text_encoder_2/config.json (OpenCLIP ViT-bigG/14): hidden 1280, 32 layers, intermediate 5120.
  {
    name: 'CLIP ViT-bigG/14 text encoder',
    source: 'stabilityai/stable-diffusion-xl-base-1.0 text_encoder_2/config.json',
    markers: ['text.model.encoder.layers.#.self.attn.[qkv].proj'],
    layers: 32,
    shapes: [
      { pattern: 'text.model.encoder.layers.#.self.attn.q.proj', shape: [1280, 1280] },
      { pattern: 'text.model.encoder.layers.#.mlp.fc1', shape: [5120, 1280] },
    ],
  },
  // openai/whisper-large-v3 config.json: d_model 1280, 32 encoder and 32 decoder layers, ffn 5120 (large-v2's sizes too).
  {
    name: 'Whisper large',
    source: 'openai/whisper-large-v3 config.json',
    markers: ['decoder.layers.#.encoder.attn.[qkv].proj', 'encoder.layers.#.self.attn.[qkv].proj'],
    layers: 32,
    shapes: [
      { pattern: 'layers.#.self.attn.q.proj', shape: [1280, 1280] },
      { pattern: 'layers.#.encoder.attn.q.proj', shape: [1280, 1280] },
      { pattern: 'layers.#.fc1', shape: [5120, 1280] },
    ],
  },
  // google-t5/t5-small config.json: d_model 512, 6 layers, d_ff 2048, 8 heads × d_kv 64.
  t5('T5 small', 'google-t5/t5-small config.json', 512, 6, 2048, 512),
  // google-t5/t5-large config.json: d_model 1024, 24 layers, d_ff 4096, 16 heads × d_kv 64.
  t5('T5 large', 'google-t5/t5-large config.json', 1024, 24, 4096, 1024),
  // lllyasviel/FramePackI2V_HY transformer/config.json (HunyuanVideoTransformer3DModelPacked): 24 heads × 128 = 3072,
  // 20 double and 40 single blocks in FLUX.1's diffusers names and sizes. Its markers and shapes are a subset of
  // FLUX.1's, so FLUX.1 ranks at least as high where only the shapes speak; a single-block index past FLUX.1's 38
  // or musubi-tuner's metadata names FramePack.
  {
    name: 'FramePack',
    source: 'lllyasviel/FramePackI2V_HY transformer/config.json',
    markers: ['single.transformer.blocks.#.attn.to.[qkv]'],
    layers: 40,
    rejects: [/double_blocks|single_blocks|token_refiner/],
    shapes: [{ pattern: 'single.transformer.blocks.#.attn.to.q', shape: [3072, 3072] }],
  },
];
