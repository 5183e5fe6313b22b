/**
 * One spelling for the modules of Lumina-Image 2.0's transformer, so adapters in the original
 * names (ComfyUI's `diffusion_model.layers.0.attention.qkv`, the Alpha-VLLM checkpoints) and in
 * diffusers' names line up. The original names are canonical; diffusers' map to them as diffusers
 * converts an original Lumina2 LoRA (loaders/lora_conversion_utils.py,
 * `_convert_non_diffusers_lumina2_lora_to_diffusers`), in each `noise_refiner.N`,
 * `context_refiner.N` and `layers.N` block: the fused `attention.qkv` is split into
 * `attn.to_q/to_k/to_v`, `attention.out` is `attn.to_out.0`, `feed_forward.w1/w2/w3` are
 * `feed_forward.linear_1/2/3`, `adaLN_modulation.1` is `norm1.linear`. A split projection is the
 * slice `attention_qkv_<i>` of the fused weight, as fluxNames.ts names FLUX's slices.
 *
 * Paths here are flattened (`.` → `_`) and have no component prefix.
 */

const BLOCK_MODULES: Readonly<Record<string, string>> = {
  attn_to_q: 'attention_qkv_0',
  attn_to_k: 'attention_qkv_1',
  attn_to_v: 'attention_qkv_2',
  attn_to_out_0: 'attention_out',
  feed_forward_linear_1: 'feed_forward_w1',
  feed_forward_linear_2: 'feed_forward_w2',
  feed_forward_linear_3: 'feed_forward_w3',
  norm1_linear: 'adaLN_modulation_1',
};

const BLOCK = /^(noise_refiner|context_refiner|layers)_(\d{1,6})_(.+)$/;

/** The original spelling of a flattened diffusers Lumina2 path; any other path is returned unchanged. */
export function lumina2CanonicalPath(path: string): string {
  const match = BLOCK.exec(path);
  if (!match) return path;
  const target = BLOCK_MODULES[match[3]];
  return target ? `${match[1]}_${match[2]}_${target}` : path;
}
