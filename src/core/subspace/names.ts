import { fluxCanonicalPath } from '../adapter/fluxNames';
import { lumina2CanonicalPath } from '../adapter/lumina2Names';
import { canonicalComponent, parseModuleName } from '../adapter/moduleNames';

/**
 * Which base-model module an adapter module adapts, read from its name alone, so that adapters
 * written by different tools line up:
 * - PEFT (`base_model.model.` already removed by the layout, removed here too if present) and
 *   mlx-lm name the module by its dotted path: `model.layers.3.self_attn.q_proj`;
 * - diffusers prefixes the pipeline component: `unet.down_blocks.0.…to_q`, `text_encoder.…`;
 * - kohya/LyCORIS flatten the path with `_` behind a component prefix:
 *   `lora_unet_down_blocks_0_…_to_q`, `lora_te_text_model_encoder_layers_0_self_attn_q_proj`
 *   (`lora_te1_`/`lora_te2_` for SDXL's two text encoders).
 * kohya's flattening cannot be undone (`down_blocks` vs `down.blocks`), so the key flattens
 * every name the same way: `.` becomes `_`. Two names match when component and flattened path
 * are equal; the denoiser's names (`unet`, `transformer`, `diffusion_model`) count as one
 * component, and FLUX's and Lumina2's diffusers names are read in their original spelling.
 */
export interface BaseModuleKey {
  /** Pipeline component (`unet`, `text_encoder`, `text_encoder_2`, …), null when unnamed. */
  readonly component: string | null;
  /** The module's path inside its component, `.` flattened to `_`. */
  readonly path: string;
  /** `component/path`: the exact key. */
  readonly key: string;
  /**
   * The path with leading `model_` wrappers dropped, for a second, looser pass: a PEFT adapter
   * on `…ForCausalLM` (`model.layers.3…`) against one on the bare model (`layers.3…`).
   */
  readonly loose: string;
}

/** The key of a module name, from the one name table (../adapter/moduleNames). */
export function baseModuleKey(name: string): BaseModuleKey {
  const { component, path: rest } = parseModuleName(name);
  const path = lumina2CanonicalPath(fluxCanonicalPath(rest.replace(/\./g, '_')));
  let loose = path;
  while (loose.startsWith('model_')) loose = loose.slice('model_'.length);
  return { component, path, key: `${canonicalComponent(component) ?? ''}/${path}`, loose };
}
