import type { LayerRow } from '../protocol/payloads';

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
