import type { SuffixRule } from './keys';

/**
 * Factor suffixes of diffusion-model tools that the generic rules in keys.ts do not cover. Each
 * rule names the writer or loader it follows.
 */

/**
 * XLabs x-flux (src/flux/modules/layers.py, DoubleStreamBlockLoraProcessor and
 * SingleStreamBlockLoraProcessor): `double_blocks.N.processor.{qkv,proj}_lora{1,2}.{down,up}.weight`
 * and `single_blocks.N.processor.{qkv,proj}_lora.{down,up}.weight`, optionally behind
 * `diffusion_model.`. The module is named by the BFL weight it adds to, as diffusers'
 * `_convert_xlabs_flux_lora_to_diffusers` (loaders/lora_conversion_utils.py) routes it: lora1 is
 * the image stream, lora2 the text stream; a single block's `qkv_lora` adds to the q, k and v
 * rows of `linear1` only (diffusers splits it into to_q/to_k/to_v), its `proj_lora` to `linear2`.
 */
const XLABS_TARGET: Readonly<Record<string, string>> = {
  qkv_lora1: 'img_attn.qkv',
  proj_lora1: 'img_attn.proj',
  qkv_lora2: 'txt_attn.qkv',
  proj_lora2: 'txt_attn.proj',
  qkv_lora: 'linear1.qkv',
  proj_lora: 'linear2',
};

const xlabs = (end: 'down' | 'up'): SuffixRule => ({
  hint: `.processor.`,
  pattern: new RegExp(`^((?:diffusion_model\\.)?(?:double|single)_blocks\\.\\d+)\\.processor\\.(qkv_lora[12]?|proj_lora[12]?)\\.${end}\\.weight$`),
  role: end === 'down' ? 'A' : 'B',
  scheme: 'xlabs',
  moduleOf: (match) => `${match[1]}.${XLABS_TARGET[match[2]]}`,
});

/**
 * cloneofsimo lora_diffusion (lora_diffusion/lora.py, save_safeloras_with_embeds): `<model>:<i>:up`
 * and `<model>:<i>:down`, where i counts the injected layers in the order the model's modules
 * are walked. The module keeps the positional name `<model>:<i>`; cloneofsimo.ts maps it to the
 * real module where the order and shapes allow.
 */
const cloneofsimo = (end: 'down' | 'up'): SuffixRule => ({
  hint: `:${end}`,
  pattern: new RegExp(`^([A-Za-z0-9_.]+:\\d{1,6}):${end}$`),
  role: end === 'down' ? 'A' : 'B',
  scheme: 'cloneofsimo',
});

/**
 * ComfyUI comfy/lora.py (load_lora, `diffusers_lora = "{}_lora.up.weight"`): the module name
 * followed directly by `_lora.up.weight` / `_lora.down.weight`, as diffusers' old
 * attention-processor saves spelled it; `to_out_lora` adapts `to_out.0` there.
 */
const comfyDiffusers = (end: 'down' | 'up'): SuffixRule => ({
  hint: `_lora.${end}.weight`,
  pattern: new RegExp(`^(.+)_lora\\.${end}\\.weight$`),
  role: end === 'down' ? 'A' : 'B',
  scheme: 'diffusers',
  moduleOf: (match) => (match[1].endsWith('.to_out') ? `${match[1]}.0` : match[1]),
});

export const DIFFUSION_RULES: readonly SuffixRule[] = [xlabs('down'), xlabs('up'), cloneofsimo('down'), cloneofsimo('up'), comfyDiffusers('down'), comfyDiffusers('up')];
