/**
 * Base-architecture fingerprints: the module names and [out, in] shapes an adapter on each model
 * has, taken from the model's public config (cited per entry). Patterns are written with `.` for
 * either separator (kohya names use `_`) and `#` for a layer index; `toRegExp` turns them into
 * anchored-at-end expressions. Every pattern here is a constant of this file, never file text.
 */

/** One shape a module matching `pattern` must have when it is present: [out, in]. */
export interface ShapeFeature {
  readonly pattern: string;
  readonly shape: readonly [number, number];
  /** The config this shape comes from when it is not the fingerprint's own (a text encoder's). */
  readonly source?: string;
}

export interface Fingerprint {
  readonly name: string;
  /** Where the numbers come from (repository and file of the public config). */
  readonly source: string;
  /** Module-name patterns of this model family; at least one must match a module. */
  readonly markers: readonly string[];
  readonly shapes: readonly ShapeFeature[];
  /** Number of layers (or blocks) per `#`-indexed stack; an index at or past it rules the model out. */
  readonly layers?: number;
  /** Names (exact regular expressions, not patterns) that rule this model out. */
  readonly rejects?: readonly RegExp[];
  /** Names of another model in the same checkpoint (a vision tower), left out of the match. */
  readonly skip?: RegExp;
}

/** The decoder-only transformer layout of Llama, Mistral, Qwen and Gemma (HF transformers names). */
export function llamaLike(name: string, source: string, hidden: number, layers: number, inter: number, qOut: number, kvOut: number): Fingerprint {
  const p = 'layers.#.';
  return {
    name,
    source,
    markers: [`${p}self.attn.[qkvo].proj`, `${p}mlp.(gate|up|down).proj`],
    layers,
    shapes: [
      { pattern: `${p}self.attn.q.proj`, shape: [qOut, hidden] },
      { pattern: `${p}self.attn.k.proj`, shape: [kvOut, hidden] },
      { pattern: `${p}self.attn.v.proj`, shape: [kvOut, hidden] },
      { pattern: `${p}self.attn.o.proj`, shape: [hidden, qOut] },
      { pattern: `${p}mlp.gate.proj`, shape: [inter, hidden] },
      { pattern: `${p}mlp.up.proj`, shape: [inter, hidden] },
      { pattern: `${p}mlp.down.proj`, shape: [hidden, inter] },
    ],
  };
}

/** A BERT-style encoder (`encoder.layer.#.attention.self.query`), under the given root prefix. */
function bertLike(name: string, source: string, root: string, hidden: number, layers: number, inter: number): Fingerprint {
  const p = `${root}encoder.layer.#.`;
  return {
    name,
    source,
    markers: [`${p}attention.self.(query|key|value)`, `${p}(intermediate|output).dense`],
    layers,
    shapes: [
      { pattern: `${p}attention.self.query`, shape: [hidden, hidden] },
      { pattern: `${p}attention.self.key`, shape: [hidden, hidden] },
      { pattern: `${p}attention.self.value`, shape: [hidden, hidden] },
      { pattern: `${p}intermediate.dense`, shape: [inter, hidden] },
    ],
  };
}

/** A Stable Diffusion UNet: cross-attention keys read the text encoder's width. */
function unet(name: string, source: string, crossDim: number, markers: readonly string[], textEncoder?: ShapeFeature): Fingerprint {
  return {
    name,
    source,
    markers: textEncoder ? [...markers, textEncoder.pattern] : markers,
    shapes: [{ pattern: 'attn2.to.k', shape: [ANY, crossDim] }, { pattern: 'attn2.to.v', shape: [ANY, crossDim] }, ...(textEncoder ? [textEncoder] : [])],
  };
}

/** A shape entry that any size satisfies. */
export const ANY = -1;

const UNET_DOWN = ['(down|up).blocks.#.attentions.#.transformer.blocks.#.attn[12].to.[qkv]', 'mid.block.attentions.#.transformer.blocks'];
const UNET_SGM = ['(input|output).blocks.#.#.transformer.blocks.#.attn[12].to.[qkv]', 'middle.block.#.transformer.blocks'];

export const FINGERPRINTS: readonly Fingerprint[] = [
  // meta-llama/Meta-Llama-3-8B config.json: hidden 4096, 32 layers, intermediate 14336, 32 heads, 8 kv heads (head 128).
  llamaLike('Llama 3 8B', 'meta-llama/Meta-Llama-3-8B config.json', 4096, 32, 14336, 4096, 1024),
  // mistralai/Mistral-7B-v0.1 config.json: hidden 4096, 32 layers, intermediate 14336, 8 kv heads.
  llamaLike('Mistral 7B', 'mistralai/Mistral-7B-v0.1 config.json', 4096, 32, 14336, 4096, 1024),
  // meta-llama/Llama-3.2-1B config.json: hidden 2048, 16 layers, intermediate 8192, 32 heads, 8 kv heads (head 64).
  llamaLike('Llama 3.2 1B', 'meta-llama/Llama-3.2-1B config.json', 2048, 16, 8192, 2048, 512),
  // meta-llama/Llama-3.2-3B config.json: hidden 3072, 28 layers, intermediate 8192, 24 heads, 8 kv heads (head 128).
  llamaLike('Llama 3.2 3B', 'meta-llama/Llama-3.2-3B config.json', 3072, 28, 8192, 3072, 1024),
  // meta-llama/Meta-Llama-3-70B config.json: hidden 8192, 80 layers, intermediate 28672, 8 kv heads.
  llamaLike('Llama 3 70B', 'meta-llama/Meta-Llama-3-70B config.json', 8192, 80, 28672, 8192, 1024),
  // meta-llama/Llama-2-7b-hf config.json: hidden 4096, 32 layers, intermediate 11008, 32 kv heads.
  llamaLike('Llama 2 7B', 'meta-llama/Llama-2-7b-hf config.json', 4096, 32, 11008, 4096, 4096),
  // meta-llama/Llama-2-13b-hf config.json: hidden 5120, 40 layers, intermediate 13824, 40 kv heads.
  llamaLike('Llama 2 13B', 'meta-llama/Llama-2-13b-hf config.json', 5120, 40, 13824, 5120, 5120),
  // Qwen/Qwen2.5-0.5B config.json: hidden 896, 24 layers, intermediate 4864, 14 heads, 2 kv heads (head 64).
  llamaLike('Qwen2.5 0.5B', 'Qwen/Qwen2.5-0.5B config.json', 896, 24, 4864, 896, 128),
  // Qwen/Qwen2.5-1.5B config.json: hidden 1536, 28 layers, intermediate 8960, 12 heads, 2 kv heads (head 128).
  llamaLike('Qwen2.5 1.5B', 'Qwen/Qwen2.5-1.5B config.json', 1536, 28, 8960, 1536, 256),
  // Qwen/Qwen2.5-3B config.json: hidden 2048, 36 layers, intermediate 11008, 16 heads, 2 kv heads (head 128).
  llamaLike('Qwen2.5 3B', 'Qwen/Qwen2.5-3B config.json', 2048, 36, 11008, 2048, 256),
  // Qwen/Qwen2.5-7B config.json: hidden 3584, 28 layers, intermediate 18944, 28 heads, 4 kv heads (head 128).
  llamaLike('Qwen2.5 7B', 'Qwen/Qwen2.5-7B config.json', 3584, 28, 18944, 3584, 512),
  // Qwen/Qwen3-0.6B config.json: hidden 1024, 28 layers, intermediate 3072, 16 heads × head_dim 128, 8 kv heads.
  llamaLike('Qwen3 0.6B', 'Qwen/Qwen3-0.6B config.json', 1024, 28, 3072, 2048, 1024),
  // Qwen/Qwen3-8B config.json: hidden 4096, 36 layers, intermediate 12288, 32 heads × 128, 8 kv heads.
  llamaLike('Qwen3 8B', 'Qwen/Qwen3-8B config.json', 4096, 36, 12288, 4096, 1024),
  // Qwen/Qwen3-30B-A3B config.json: hidden 2048, 48 layers, 32 heads × 128, 4 kv heads, 128 experts of moe_intermediate 768.
  {
    ...llamaLike('Qwen3 30B-A3B (MoE)', 'Qwen/Qwen3-30B-A3B config.json', 2048, 48, 768, 4096, 512),
    markers: ['layers.#.self.attn.[qkvo].proj', 'layers.#.mlp.experts.#.(gate|up|down).proj'],
  },
  // google/gemma-2-2b config.json: hidden 2304, 26 layers, intermediate 9216, 8 heads × head_dim 256, 4 kv heads.
  llamaLike('Gemma 2 2B', 'google/gemma-2-2b config.json', 2304, 26, 9216, 2048, 1024),
  // google/gemma-2-9b config.json: hidden 3584, 42 layers, intermediate 14336, 16 heads × 256, 8 kv heads.
  llamaLike('Gemma 2 9B', 'google/gemma-2-9b config.json', 3584, 42, 14336, 4096, 2048),
  // google/gemma-3-1b-pt config.json: hidden 1152, 26 layers, intermediate 6912, 4 heads × 256, 1 kv head.
  llamaLike('Gemma 3 1B', 'google/gemma-3-1b-pt config.json', 1152, 26, 6912, 1024, 256),
  // microsoft/Phi-3-mini-4k-instruct config.json: hidden 3072, 32 layers, intermediate 8192, fused qkv_proj and gate_up_proj.
  {
    name: 'Phi-3 mini',
    source: 'microsoft/Phi-3-mini-4k-instruct config.json',
    markers: ['layers.#.self.attn.qkv.proj', 'layers.#.mlp.gate.up.proj'],
    layers: 32,
    shapes: [
      { pattern: 'layers.#.self.attn.qkv.proj', shape: [9216, 3072] },
      { pattern: 'layers.#.self.attn.o.proj', shape: [3072, 3072] },
      { pattern: 'layers.#.mlp.gate.up.proj', shape: [16384, 3072] },
      { pattern: 'layers.#.mlp.down.proj', shape: [3072, 8192] },
    ],
  },
  // openai-community/gpt2 config.json: n_embd 768, n_layer 12 (Conv1D c_attn 768 → 3·768, c_fc → 4·768).
  gpt2('GPT-2 (124M)', 'openai-community/gpt2 config.json', 768, 12),
  // openai-community/gpt2-medium config.json: n_embd 1024, n_layer 24.
  gpt2('GPT-2 medium', 'openai-community/gpt2-medium config.json', 1024, 24),
  // openai-community/gpt2-large config.json: n_embd 1280, n_layer 36.
  gpt2('GPT-2 large', 'openai-community/gpt2-large config.json', 1280, 36),
  // EleutherAI/gpt-neo-125m config.json: hidden 768, 12 layers (attn.attention.q_proj).
  {
    name: 'GPT-Neo 125M',
    source: 'EleutherAI/gpt-neo-125m config.json',
    markers: ['h.#.attn.attention.[qkv].proj'],
    layers: 12,
    shapes: [
      { pattern: 'h.#.attn.attention.q.proj', shape: [768, 768] },
      { pattern: 'h.#.attn.attention.v.proj', shape: [768, 768] },
    ],
  },
  // cyberagent/open-calm-1b config.json (GPT-NeoX): hidden 2048, 24 layers, fused query_key_value 3·2048.
  {
    name: 'GPT-NeoX (OpenCALM 1B)',
    source: 'cyberagent/open-calm-1b config.json',
    markers: ['gpt.neox.layers.#.attention.query.key.value'],
    layers: 24,
    shapes: [{ pattern: 'layers.#.attention.query.key.value', shape: [6144, 2048] }],
  },
  // facebook/opt-125m config.json: hidden 768, 12 layers, ffn_dim 3072.
  opt('OPT 125M', 'facebook/opt-125m config.json', 768, 12, 3072),
  // facebook/opt-350m config.json: hidden 1024, 24 layers, ffn_dim 4096.
  opt('OPT 350M', 'facebook/opt-350m config.json', 1024, 24, 4096),
  // facebook/opt-1.3b config.json: hidden 2048, 24 layers, ffn_dim 8192.
  opt('OPT 1.3B', 'facebook/opt-1.3b config.json', 2048, 24, 8192),
  // bigscience/bloom-560m config.json: hidden 1024, 24 layers, fused query_key_value 3·1024.
  {
    name: 'BLOOM 560M',
    source: 'bigscience/bloom-560m config.json',
    markers: ['h.#.self.attention.query.key.value'],
    layers: 24,
    shapes: [{ pattern: 'h.#.self.attention.query.key.value', shape: [3072, 1024] }],
  },
  // google-bert/bert-base-uncased config.json: hidden 768, 12 layers, intermediate 3072.
  bertLike('BERT base', 'google-bert/bert-base-uncased config.json', 'bert.', 768, 12, 3072),
  // google-bert/bert-large-uncased config.json: hidden 1024, 24 layers, intermediate 4096.
  bertLike('BERT large', 'google-bert/bert-large-uncased config.json', 'bert.', 1024, 24, 4096),
  // FacebookAI/roberta-base config.json: hidden 768, 12 layers, intermediate 3072.
  bertLike('RoBERTa base', 'FacebookAI/roberta-base config.json', 'roberta.', 768, 12, 3072),
  // FacebookAI/roberta-large config.json: hidden 1024, 24 layers, intermediate 4096.
  bertLike('RoBERTa large', 'FacebookAI/roberta-large config.json', 'roberta.', 1024, 24, 4096),
  // google/vit-base-patch16-224 config.json: hidden 768, 12 layers (attention.attention.query).
  {
    name: 'ViT base',
    source: 'google/vit-base-patch16-224 config.json',
    markers: ['encoder.layer.#.attention.attention.(query|key|value)'],
    layers: 12,
    shapes: [
      { pattern: 'layer.#.attention.attention.query', shape: [768, 768] },
      { pattern: 'layer.#.attention.attention.value', shape: [768, 768] },
    ],
  },
  // google-t5/t5-base config.json: d_model 768, 12 layers, d_ff 3072 (SelfAttention.q/k/v/o, DenseReluDense.wi/wo).
  {
    name: 'T5 base',
    source: 'google-t5/t5-base config.json',
    markers: ['block.#.layer.#.(SelfAttention|EncDecAttention).[qkvo]'],
    layers: 12,
    shapes: [
      { pattern: 'block.#.layer.#.SelfAttention.q', shape: [768, 768] },
      { pattern: 'block.#.layer.#.SelfAttention.v', shape: [768, 768] },
      { pattern: 'block.#.layer.#.DenseReluDense.wi', shape: [3072, 768] },
    ],
  },
  // openai/whisper-small config.json: d_model 768, 12 encoder and 12 decoder layers, ffn 3072.
  {
    name: 'Whisper small',
    source: 'openai/whisper-small config.json',
    markers: ['decoder.layers.#.encoder.attn.[qkv].proj'],
    layers: 12,
    shapes: [
      { pattern: 'layers.#.self.attn.q.proj', shape: [768, 768] },
      { pattern: 'layers.#.encoder.attn.q.proj', shape: [768, 768] },
    ],
  },
  // openai/clip-vit-large-patch14 config.json text_config: hidden 768, 12 layers, intermediate 3072 (SD 1.x's text encoder).
  {
    name: 'CLIP ViT-L/14 text encoder',
    source: 'openai/clip-vit-large-patch14 config.json',
    markers: ['text.model.encoder.layers.#.self.attn.[qkv].proj'],
    layers: 12,
    shapes: [
      { pattern: 'text.model.encoder.layers.#.self.attn.q.proj', shape: [768, 768] },
      { pattern: 'text.model.encoder.layers.#.mlp.fc1', shape: [3072, 768] },
    ],
  },
  // runwayml/stable-diffusion-v1-5 unet/config.json: cross_attention_dim 768.
  // Its text encoder is CLIP ViT-L/14 (hidden 768), named `lora_te_text_model_…` by kohya.
  unet('SD 1.x', 'runwayml/stable-diffusion-v1-5 unet/config.json', 768, UNET_DOWN, {
    pattern: 'te.text.model.encoder.layers.#.self.attn.q.proj',
    shape: [768, 768],
    source: 'runwayml/stable-diffusion-v1-5 text_encoder/config.json',
  }),
  // stabilityai/stable-diffusion-2-1 unet/config.json: cross_attention_dim 1024.
  // Its text encoder is OpenCLIP ViT-H (text_encoder/config.json hidden 1024).
  unet('SD 2.x', 'stabilityai/stable-diffusion-2-1 unet/config.json', 1024, UNET_DOWN, {
    pattern: 'te.text.model.encoder.layers.#.self.attn.q.proj',
    shape: [1024, 1024],
    source: 'stabilityai/stable-diffusion-2-1 text_encoder/config.json',
  }),
  // stabilityai/stable-diffusion-xl-base-1.0 unet/config.json: cross_attention_dim 2048 (SGM input_blocks names in kohya files).
  // Its second text encoder is OpenCLIP ViT-bigG (text_encoder_2/config.json hidden 1280), `lora_te2_text_model_…` in kohya files.
  unet('SDXL', 'stabilityai/stable-diffusion-xl-base-1.0 unet/config.json', 2048, [...UNET_DOWN, ...UNET_SGM], {
    pattern: 'te2.text.model.encoder.layers.#.self.attn.q.proj',
    shape: [1280, 1280],
    source: 'stabilityai/stable-diffusion-xl-base-1.0 text_encoder_2/config.json',
  }),
  // black-forest-labs/FLUX.1-dev transformer/config.json: 24 heads × 128 = 3072, 19 double and 38 single blocks, mlp ratio 4.
  {
    name: 'FLUX.1',
    source: 'black-forest-labs/FLUX.1-dev transformer/config.json',
    markers: ['single.transformer.blocks.#', 'double.blocks.#.img.attn', 'single.blocks.#.linear[12]'],
    // HunyuanVideo shares FLUX's block names; its dotted names keep `img_attn_qkv` whole and it has
    // token refiners (ComfyUI comfy/lora.py HunyuanVideo key map).
    // FLUX.1 has 19 double and 38 single blocks; a deeper index is HunyuanVideo's or FramePack's (20 and 40).
    rejects: [
      /\.img_attn_qkv$/,
      /token_refiner/,
      /(^|[._])single_transformer_blocks[._](3[89]|[4-9]\d|\d{3,})([._]|$)/,
      /(^|[._])(?<!single_)transformer_blocks[._](19|[2-9]\d|\d{3,})([._]|$)/,
    ],
    shapes: [
      { pattern: 'single.transformer.blocks.#.proj.out', shape: [3072, 15360] },
      { pattern: 'single.transformer.blocks.#.attn.to.q', shape: [3072, 3072] },
      { pattern: 'transformer.blocks.#.attn.add.q.proj', shape: [3072, 3072] },
      { pattern: 'double.blocks.#.img.attn.qkv', shape: [9216, 3072] },
      { pattern: 'single.blocks.#.linear1', shape: [21504, 3072] },
    ],
  },
  // stabilityai/stable-diffusion-3-medium-diffusers transformer/config.json: 24 heads × 64 = 1536, 24 layers.
  {
    name: 'SD3 medium',
    source: 'stabilityai/stable-diffusion-3-medium-diffusers transformer/config.json',
    markers: ['joint.blocks.#', 'transformer.blocks.#.attn.add.[qkv].proj'],
    layers: 24,
    // SD3 has no second self-attention; SD3.5 medium's dual-attention blocks do (attn2).
    rejects: [/(^|[._])transformer_blocks[._]\d+[._]attn2[._]|x_block[._]attn2[._]/],
    shapes: [
      { pattern: 'transformer.blocks.#.attn.to.q', shape: [1536, 1536] },
      { pattern: 'transformer.blocks.#.attn.add.q.proj', shape: [1536, 1536] },
    ],
  },
  // stabilityai/stable-diffusion-3.5-large transformer/config.json: 38 heads × 64 = 2432, 38 layers.
  {
    name: 'SD3.5 large',
    source: 'stabilityai/stable-diffusion-3.5-large transformer/config.json',
    markers: ['joint.blocks.#', 'transformer.blocks.#.attn.add.[qkv].proj'],
    layers: 38,
    shapes: [
      { pattern: 'transformer.blocks.#.attn.to.q', shape: [2432, 2432] },
      { pattern: 'transformer.blocks.#.attn.add.q.proj', shape: [2432, 2432] },
    ],
  },
  // hunyuanvideo-community/HunyuanVideo transformer/config.json: 24 heads × 128 = 3072, 20 double and 40 single blocks, mlp ratio 4.
  {
    name: 'HunyuanVideo',
    source: 'hunyuanvideo-community/HunyuanVideo transformer/config.json',
    markers: ['individual.token.refiner', 'double.blocks.#.img.attn.qkv', 'single.blocks.#.linear[12]', 'token.refiner.refiner.blocks.#'],
    shapes: [
      { pattern: 'double.blocks.#.img.attn.qkv', shape: [9216, 3072] },
      { pattern: 'single.blocks.#.linear1', shape: [21504, 3072] },
    ],
  },
  // Wan-AI/Wan2.1-T2V-14B config.json: dim 5120, 40 layers, ffn_dim 13824 (blocks.#.self_attn.q, cross_attn, ffn.0).
  wan('Wan 2.x 14B', 'Wan-AI/Wan2.1-T2V-14B config.json', 5120, 40, 13824),
  // Wan-AI/Wan2.1-T2V-1.3B config.json: dim 1536, 30 layers, ffn_dim 8960.
  wan('Wan 2.1 1.3B', 'Wan-AI/Wan2.1-T2V-1.3B config.json', 1536, 30, 8960),
  // Wan-AI/Wan2.2-TI2V-5B config.json: dim 3072, 30 layers, ffn_dim 14336.
  wan('Wan 2.2 5B', 'Wan-AI/Wan2.2-TI2V-5B config.json', 3072, 30, 14336),
  // Qwen/Qwen-Image transformer/config.json: 60 layers, 24 heads × 128 = 3072; img_mlp/txt_mlp of 4·3072.
  {
    name: 'Qwen-Image',
    source: 'Qwen/Qwen-Image transformer/config.json',
    markers: ['transformer.blocks.#.(img|txt).(mlp|mod)', 'transformer.blocks.#.attn.(to.[qkv]|add.[qkv].proj|to.add.out)'],
    layers: 60,
    shapes: [
      { pattern: 'transformer.blocks.#.attn.to.q', shape: [3072, 3072] },
      { pattern: 'transformer.blocks.#.attn.add.q.proj', shape: [3072, 3072] },
      { pattern: 'transformer.blocks.#.img.mlp.net.0.proj', shape: [12288, 3072] },
    ],
    rejects: [/single_transformer_blocks|single_blocks/],
  },
  // Lightricks/LTX-Video transformer/config.json: 28 layers, 32 heads × 64 = 2048, cross_attention_dim 2048.
  {
    name: 'LTX-Video',
    source: 'Lightricks/LTX-Video transformer/config.json',
    markers: ['transformer.blocks.#.attn[12].to.[qkv]'],
    layers: 28,
    shapes: [
      { pattern: 'transformer.blocks.#.attn1.to.q', shape: [2048, 2048] },
      { pattern: 'transformer.blocks.#.attn2.to.k', shape: [2048, 2048] },
    ],
  },
];

/** Wan's DiT blocks as its own code names them (`blocks.#.self_attn.q`, `cross_attn.k`, `ffn.0`). */
function wan(name: string, source: string, dim: number, layers: number, ffn: number): Fingerprint {
  return {
    name,
    source,
    markers: ['blocks.#.(self|cross).attn.[qkvo]', 'blocks.#.ffn.[02]'],
    layers,
    shapes: [
      { pattern: 'blocks.#.self.attn.q', shape: [dim, dim] },
      { pattern: 'blocks.#.cross.attn.k', shape: [dim, ANY] },
      { pattern: 'blocks.#.ffn.0', shape: [ffn, dim] },
    ],
  };
}

/** GPT-2's Conv1D blocks (`transformer.h.#.attn.c_attn`); shapes as [out, in]. */
function gpt2(name: string, source: string, hidden: number, layers: number): Fingerprint {
  return {
    name,
    source,
    markers: ['h.#.attn.c.attn', 'h.#.mlp.c.fc'],
    layers,
    shapes: [
      { pattern: 'h.#.attn.c.attn', shape: [3 * hidden, hidden] },
      { pattern: 'h.#.attn.c.proj', shape: [hidden, hidden] },
      { pattern: 'h.#.mlp.c.fc', shape: [4 * hidden, hidden] },
    ],
  };
}

/** OPT's decoder (`model.decoder.layers.#.self_attn.q_proj`, `fc1`). */
function opt(name: string, source: string, hidden: number, layers: number, ffn: number): Fingerprint {
  return {
    name,
    source,
    markers: ['decoder.layers.#.self.attn.[qkv].proj', 'decoder.layers.#.fc[12]'],
    layers,
    shapes: [
      { pattern: 'decoder.layers.#.self.attn.q.proj', shape: [hidden, hidden] },
      { pattern: 'decoder.layers.#.self.attn.v.proj', shape: [hidden, hidden] },
      { pattern: 'decoder.layers.#.fc1', shape: [ffn, hidden] },
    ],
  };
}

/** The regular expression a table pattern stands for: `.` either separator, `#` a layer index, matched at the name's end or before a separator. */
export function toRegExp(pattern: string): RegExp {
  // The first `#` is the layer index, captured as `layer`.
  const body = pattern.replace(/\./g, '[._]').replace('#', '(?<layer>\\d+)').replace(/#/g, '\\d+');
  return new RegExp(`(^|[._])${body}($|[._])`);
}
