/**
 * One spelling for the modules of FLUX.1-style transformers, so adapters written in the original
 * (BFL) names and in diffusers' names line up. The BFL names are canonical: kohya sd-scripts
 * (networks/lora_flux.py, `lora_unet_double_blocks_0_img_attn_qkv`), XLabs x-flux, ComfyUI and
 * the BFL checkpoints use them. diffusers' names map to them as diffusers itself converts kohya
 * Flux LoRAs (loaders/lora_conversion_utils.py, `_convert_kohya_flux_lora_to_diffusers`): the fused
 * `img_attn.qkv` is split into to_q/to_k/to_v, `linear1` into to_q/to_k/to_v/proj_mlp. A split
 * projection is the slice `<fused>_<i>` of the fused weight, which is how OneTrainer names its
 * slices (modules/util/convert/lora/convert_flux_lora.py: `img_attn.qkv.0`, `linear1.3`), so a
 * OneTrainer slice and the diffusers projection have one key. HunyuanVideo's original names
 * (`img_attn_qkv`) flatten to the same key.
 *
 * Paths here are flattened (`.` → `_`) and have no component prefix.
 */

const DOUBLE: Readonly<Record<string, string>> = {
  attn_to_q: 'img_attn_qkv_0',
  attn_to_k: 'img_attn_qkv_1',
  attn_to_v: 'img_attn_qkv_2',
  attn_add_q_proj: 'txt_attn_qkv_0',
  attn_add_k_proj: 'txt_attn_qkv_1',
  attn_add_v_proj: 'txt_attn_qkv_2',
  attn_to_out_0: 'img_attn_proj',
  attn_to_add_out: 'txt_attn_proj',
  ff_net_0_proj: 'img_mlp_0',
  ff_net_2: 'img_mlp_2',
  ff_context_net_0_proj: 'txt_mlp_0',
  ff_context_net_2: 'txt_mlp_2',
  norm1_linear: 'img_mod_lin',
  norm1_context_linear: 'txt_mod_lin',
};

const SINGLE: Readonly<Record<string, string>> = {
  attn_to_q: 'linear1_0',
  attn_to_k: 'linear1_1',
  attn_to_v: 'linear1_2',
  proj_mlp: 'linear1_3',
  proj_out: 'linear2',
  norm_linear: 'modulation_lin',
};

/** Top-level modules (same converter: x_embedder ← img_in, context_embedder ← txt_in, …). */
const TOP: Readonly<Record<string, string>> = {
  x_embedder: 'img_in',
  context_embedder: 'txt_in',
  time_text_embed_timestep_embedder_linear_1: 'time_in_in_layer',
  time_text_embed_timestep_embedder_linear_2: 'time_in_out_layer',
  time_text_embed_guidance_embedder_linear_1: 'guidance_in_in_layer',
  time_text_embed_guidance_embedder_linear_2: 'guidance_in_out_layer',
  time_text_embed_text_embedder_linear_1: 'vector_in_in_layer',
  time_text_embed_text_embedder_linear_2: 'vector_in_out_layer',
};

const BLOCK = /^(single_transformer_blocks|transformer_blocks)_(\d{1,6})_(.+)$/;

/** The BFL spelling of a flattened diffusers FLUX path; any other path is returned unchanged. */
export function fluxCanonicalPath(path: string): string {
  const top = TOP[path];
  if (top) return top;
  const match = BLOCK.exec(path);
  if (!match) return path;
  const single = match[1] === 'single_transformer_blocks';
  const target = (single ? SINGLE : DOUBLE)[match[3]];
  return target ? `${single ? 'single_blocks' : 'double_blocks'}_${match[2]}_${target}` : path;
}

/** Fused BFL weights and the sizes of their slices, in units of the hidden size. */
const FUSED: readonly { readonly pattern: RegExp; readonly slices: readonly string[] }[] = [
  { pattern: /^(.*double_blocks[._]\d+[._](?:img|txt)_attn[._]qkv)[._]([0-2])$/, slices: ['q', 'k', 'v'] },
  { pattern: /^(.*single_blocks[._]\d+[._]linear1)[._]([0-3])$/, slices: ['q', 'k', 'v', 'mlp'] },
];

/**
 * The fused weight a slice module belongs to (OneTrainer's `…img_attn.qkv.1`, `…linear1.3`):
 * the fused module's name, the slice index and what the slice is; null for other modules.
 */
export function fusedSliceOf(name: string): { readonly weight: string; readonly index: number; readonly part: string } | null {
  for (const { pattern, slices } of FUSED) {
    const match = pattern.exec(name);
    if (match) return { weight: match[1], index: Number(match[2]), part: slices[Number(match[2])] };
  }
  return null;
}
