/**
 * The Hugging Face → llama.cpp tensor names that convert_lora_to_gguf.py applies through
 * convert_hf_to_gguf.py's `map_tensor_name` (gguf-py/gguf/tensor_mapping.py, `TensorNameMap`),
 * for the architectures the fingerprints know: Llama, Mistral, Qwen2/3 (and their MoE), Gemma,
 * Phi-3, Mixtral, GPT-2, BLOOM and GPT-NeoX. A name not in this table is one the converter
 * stops on ("Can not map tensor"). Every pattern here is a constant of this file.
 */

/** Block stacks, by their Hugging Face path (tensor_mapping.py's per-architecture block entries). */
const BLOCK = /^(?:model\.layers|transformer\.h|gpt_neox\.layers)\.(\d{1,6})\.(.+)$/;
/** One expert of a mixture of experts; the converter stacks the experts into one `_exps` tensor. */
const EXPERT = /^(mlp|block_sparse_moe)\.experts\.\d{1,6}\.([a-z0-9_]{1,32})$/;

/** Module path inside a block → llama.cpp's block tensor name. */
const IN_BLOCK: Readonly<Record<string, string>> = {
  'self_attn.q_proj': 'attn_q',
  'self_attn.k_proj': 'attn_k',
  'self_attn.v_proj': 'attn_v',
  'self_attn.o_proj': 'attn_output',
  'self_attn.qkv_proj': 'attn_qkv',
  'mlp.gate_proj': 'ffn_gate',
  'mlp.up_proj': 'ffn_up',
  'mlp.down_proj': 'ffn_down',
  'mlp.gate_up_proj': 'ffn_up',
  'mlp.gate': 'ffn_gate_inp',
  'block_sparse_moe.gate': 'ffn_gate_inp',
  'mlp.shared_expert.gate_proj': 'ffn_gate_shexp',
  'mlp.shared_expert.up_proj': 'ffn_up_shexp',
  'mlp.shared_expert.down_proj': 'ffn_down_shexp',
  // GPT-2 (Conv1D names).
  'attn.c_attn': 'attn_qkv',
  'attn.c_proj': 'attn_output',
  'mlp.c_fc': 'ffn_up',
  'mlp.c_proj': 'ffn_down',
  // BLOOM and GPT-NeoX.
  'self_attention.query_key_value': 'attn_qkv',
  'self_attention.dense': 'attn_output',
  'attention.query_key_value': 'attn_qkv',
  'attention.dense': 'attn_output',
  'mlp.dense_h_to_4h': 'ffn_up',
  'mlp.dense_4h_to_h': 'ffn_down',
};

/** Expert projections → the stacked expert tensor (Qwen MoE names, then Mixtral's w1/w3/w2). */
const IN_EXPERT: Readonly<Record<string, string>> = {
  gate_proj: 'ffn_gate_exps',
  up_proj: 'ffn_up_exps',
  down_proj: 'ffn_down_exps',
  w1: 'ffn_gate_exps',
  w3: 'ffn_up_exps',
  w2: 'ffn_down_exps',
};

/** Tensors outside the blocks. */
const GLOBAL: Readonly<Record<string, string>> = {
  'model.embed_tokens': 'token_embd',
  'transformer.wte': 'token_embd',
  'gpt_neox.embed_in': 'token_embd',
  lm_head: 'output',
  embed_out: 'output',
};

/**
 * llama.cpp's name for a Hugging Face module path (no `.weight`), after the converter's
 * language-model prefix rewrite (`model.language_model.` → `model.`, `language_model.` → ``);
 * null when map_tensor_name would raise.
 */
export function llamaCppName(module: string): string | null {
  let name = module;
  if (name.startsWith('model.language_model.')) name = `model.${name.slice('model.language_model.'.length)}`;
  else if (name.startsWith('language_model.')) name = name.slice('language_model.'.length);
  if (Object.hasOwn(GLOBAL, name)) return GLOBAL[name];
  const block = BLOCK.exec(name);
  if (!block) return null;
  const [, index, rest] = block;
  if (Object.hasOwn(IN_BLOCK, rest)) return `blk.${index}.${IN_BLOCK[rest]}`;
  const expert = EXPERT.exec(rest);
  if (expert && Object.hasOwn(IN_EXPERT, expert[2])) return `blk.${index}.${IN_EXPERT[expert[2]]}`;
  return null;
}
