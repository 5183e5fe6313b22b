/**
 * llama.cpp's tensor names read back as the Hugging Face module names of the base model, so a
 * GGUF adapter's modules line up with a PEFT adapter of the same model and with the base
 * weights (`--base`). llama.cpp's converter maps each Hugging Face name to its own
 * (gguf-py/gguf/tensor_mapping.py, `TensorNameMap`: `model.layers.{bid}.self_attn.q_proj` →
 * `blk.{bid}.attn_q`, …); this is that table inverted for the architectures most adapters
 * are trained on. Other architectures keep llama.cpp's names, and say so.
 */

/** Hugging Face names of the per-block modules, by llama.cpp's block tensor name. */
type BlockNames = Readonly<Record<string, string>>;

/** Llama, Mistral, Qwen2/3 and Gemma's decoder blocks (tensor_mapping.py's entries for them). */
const DECODER: BlockNames = {
  attn_q: 'self_attn.q_proj',
  attn_k: 'self_attn.k_proj',
  attn_v: 'self_attn.v_proj',
  attn_output: 'self_attn.o_proj',
  ffn_gate: 'mlp.gate_proj',
  ffn_up: 'mlp.up_proj',
  ffn_down: 'mlp.down_proj',
  attn_norm: 'input_layernorm',
  ffn_norm: 'post_attention_layernorm',
  attn_q_norm: 'self_attn.q_norm',
  attn_k_norm: 'self_attn.k_norm',
};

/** Gemma 2/3 norm their blocks four times (tensor_mapping.py: ATTN_POST_NORM, FFN_PRE_NORM, FFN_POST_NORM). */
const GEMMA2: BlockNames = {
  ...DECODER,
  ffn_norm: 'pre_feedforward_layernorm',
  post_attention_norm: 'post_attention_layernorm',
  post_ffw_norm: 'post_feedforward_layernorm',
};

/** Phi-3 fuses q/k/v (`self_attn.qkv_proj` → `attn_qkv`) and gate/up (`mlp.gate_up_proj` → `ffn_up`). */
const PHI3: BlockNames = {
  attn_qkv: 'self_attn.qkv_proj',
  attn_output: 'self_attn.o_proj',
  ffn_up: 'mlp.gate_up_proj',
  ffn_down: 'mlp.down_proj',
  attn_norm: 'input_layernorm',
  ffn_norm: 'post_attention_layernorm',
};

/** Tensors outside the blocks, the same in every architecture here. */
const GLOBAL: Readonly<Record<string, string>> = {
  token_embd: 'model.embed_tokens',
  output: 'lm_head',
  output_norm: 'model.norm',
};

/** `general.architecture` values (gguf-py/gguf/constants.py, `MODEL_ARCH_NAMES`) and their block names. */
const BY_ARCHITECTURE: ReadonlyMap<string, BlockNames> = new Map([
  ['llama', DECODER],
  ['mistral', DECODER],
  ['qwen2', DECODER],
  ['qwen3', DECODER],
  ['gemma', DECODER],
  ['gemma2', GEMMA2],
  ['gemma3', GEMMA2],
  ['phi3', PHI3],
]);

/** Whether llama.cpp's names of this architecture are mapped back. */
export function isMappedArchitecture(architecture: string | null): boolean {
  return architecture !== null && BY_ARCHITECTURE.has(architecture);
}

/**
 * The Hugging Face module name for a llama.cpp tensor base name (without `.weight`), e.g.
 * `blk.3.attn_q` → `model.layers.3.self_attn.q_proj` for `llama`; null when the architecture or
 * the name is not in the table.
 */
export function huggingFaceName(architecture: string | null, name: string): string | null {
  const blocks = architecture === null ? undefined : BY_ARCHITECTURE.get(architecture);
  if (!blocks) return null;
  if (Object.hasOwn(GLOBAL, name)) return GLOBAL[name];
  const match = /^blk\.(\d{1,6})\.([a-z0-9_]{1,64})$/.exec(name);
  if (!match || !Object.hasOwn(blocks, match[2])) return null;
  return `model.layers.${Number(match[1])}.${blocks[match[2]]}`;
}
