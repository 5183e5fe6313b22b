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
