import type { LayerRow } from '../protocol/payloads';

/**
 * Where a module sits, read from its name alone: the block is everything up to the last
 * integer segment (`model.layers.3`, `down_blocks.1.attentions.0.transformer_blocks.0`, kohya's
 * `lora_unet_down_blocks_1_attentions_0_transformer_blocks_0`), the module type the rest
 * (`self_attn.q_proj`, `attn1.to_q`, `attn1_to_q`). Names are split at both `.` and `_`
 * because kohya flattens the dots into underscores.
 */
export function placeOf(name: string): { block: string | null; moduleType: string } {
  const tokens = name.split(/([._])/);
  for (let i = tokens.length - 1; i >= 0; i -= 2) {
    if (/^\d+$/.test(tokens[i]) && i < tokens.length - 1) {
      return { block: tokens.slice(0, i + 1).join(''), moduleType: tokens.slice(i + 2).join('') };
    }
  }
  const dot = name.lastIndexOf('.');
  return { block: null, moduleType: dot >= 0 ? name.slice(dot + 1) : name };
}

const ATTENTION = /(^|[._])(attn\d*|attention|self_attn|cross_attn|q_proj|k_proj|v_proj|o_proj|out_proj|qkv|c_attn|to_q|to_k|to_v|to_out|query|key|value|wq|wk|wv|wo)([._]|$)/i;
const MLP = /(^|[._])(mlp|ff|ffn|feed_forward|fc\d*|gate_proj|up_proj|down_proj|dense|dense_h_to_4h|dense_4h_to_h|c_fc|w1|w2|w3|proj_in|proj_out|intermediate|output)([._]|$)/i;
const EMBEDDING = /(^|[._])(embed\w*|wte|wpe|lm_head|tok_embeddings)([._]|$)/i;

/** The coarse family used to group charts: attention vs feed-forward, as UNets and LLMs both have them. */
export function familyOf(moduleType: string, kind: LayerRow['kind']): LayerRow['family'] {
  if (kind === 'embedding' || EMBEDDING.test(moduleType)) return 'embedding';
  if (ATTENTION.test(moduleType)) return 'attention';
  if (MLP.test(moduleType)) return 'mlp';
  return 'other';
}
