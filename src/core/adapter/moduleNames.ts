/**
 * The one table of how tools prefix module names, and the reading of a name against it. Format
 * detection, base-model matching, the resize writer's kohya names and the hover index all read
 * this table, so a component known to one of them is known to all:
 * - PEFT wraps the model in `base_model.model.` (repeated when a PEFT model was wrapped again);
 * - diffusers prefixes the pipeline component and a dot: `unet.down_blocks.0.…`;
 * - kohya/LyCORIS flatten the path with `_` behind a component prefix: `lora_unet_down_blocks_0_…`,
 *   `lora_te_…` (`lora_te1_`/`lora_te2_`/`lora_te3_` for pipelines with several text encoders;
 *   `lora_te3_` is SD3's T5);
 * - ComfyUI/BFL-style files prefix the denoiser with `diffusion_model.`, LyCORIS' own wrapper
 *   with `lycoris_`; FLUX modules have two spellings, matched through fluxNames.ts;
 * - ComfyUI names text-encoder modules `text_encoders.clip_l.transformer.…` (and `clip_g`, `t5xxl`).
 */

/** PEFT's wrapping of the adapted model. */
export const PEFT_WRAP = 'base_model.model.';

/** A diffusers pipeline component and the kohya prefixes that stand for it. */
export interface PipelineComponent {
  /** The diffusers component name, which prefixes module names followed by a dot. */
  readonly name: string;
  /** kohya prefixes read as this component; the first is the one written. */
  readonly kohya: readonly string[];
}

/**
 * Every pipeline component known. The kohya prefix of a component sd-scripts has no name for is
 * `lora_<component>_`, what a flattened diffusers name gives, so writing and reading agree.
 */
export const PIPELINE_COMPONENTS: readonly PipelineComponent[] = [
  { name: 'unet', kohya: ['lora_unet_'] },
  { name: 'text_encoder', kohya: ['lora_te_', 'lora_te1_', 'lora_text_encoder_'] },
  { name: 'text_encoder_2', kohya: ['lora_te2_', 'lora_text_encoder_2_'] },
  { name: 'text_encoder_3', kohya: ['lora_te3_', 'lora_text_encoder_3_'] },
  { name: 'transformer', kohya: ['lora_transformer_'] },
  { name: 'prior', kohya: ['lora_prior_'] },
  { name: 'decoder', kohya: ['lora_decoder_'] },
  { name: 'controlnet', kohya: ['lora_controlnet_'] },
];

/** Every kohya prefix with its component, the longest first so `lora_te2_` wins over `lora_te_`. */
const KOHYA_PREFIXES: readonly (readonly [string, string])[] = PIPELINE_COMPONENTS.flatMap((c) => c.kohya.map((p) => [p, c.name] as const)).sort(
  (a, b) => b[0].length - a[0].length,
);

const BY_NAME = new Map(PIPELINE_COMPONENTS.map((c) => [c.name, c]));

/** How a module name was spelled. */
export type NameSpelling = 'kohya' | 'diffusers' | 'plain';

/** A module name read against the table. */
export interface ModuleNameParts {
  /** Pipeline component (`unet`, `text_encoder_2`, …), null when the name has none. */
  readonly component: string | null;
  /** The module's path inside its component, as spelled (kohya paths are already flattened). */
  readonly path: string;
  readonly spelling: NameSpelling;
}

/** The name without PEFT's wrapping (however often repeated). */
export function withoutPeftWrap(name: string): string {
  let rest = name;
  while (rest.startsWith(PEFT_WRAP)) rest = rest.slice(PEFT_WRAP.length);
  return rest;
}

/** kohya's prefix for a module outside any pipeline component (what kohyaName writes for it). */
const KOHYA_BARE = 'lora_';

/**
 * LyCORIS' own wrapper names modules `lycoris_<flattened path>` (lycoris/wrapper.py,
 * `LycorisNetwork.LORA_PREFIX = "lycoris"`): a kohya spelling with no component.
 */
const LYCORIS_BARE = 'lycoris_';

/**
 * ComfyUI, the BFL reference code, ai-toolkit's ComfyUI saves and musubi-tuner's converted files
 * name the denoising model `diffusion_model.` (comfy/lora.py key maps; diffusers reads it as
 * kohya's `lora_unet_`: lora_conversion_utils.py, `k.replace("diffusion_model.", "lora_unet_")`).
 */
export const DIFFUSION_MODEL = 'diffusion_model';

/**
 * Components that all name the one denoising network: kohya's `lora_unet_` is also what
 * sd-scripts writes for FLUX and SD3 transformers, whose diffusers component is `transformer`.
 * Base matching keys them alike.
 */
const DENOISER = new Set(['unet', 'transformer', DIFFUSION_MODEL]);

/** The component as base matching keys it: every name of the denoiser is `unet`. */
export function canonicalComponent(component: string | null): string | null {
  return component !== null && DENOISER.has(component) ? 'unet' : component;
}

/**
 * The kohya prefix a name starts with and the component it stands for (null for the bare
 * `lora_`), or null when the name is not in kohya's spelling.
 */
export function kohyaPrefixOf(name: string): { readonly prefix: string; readonly component: string | null } | null {
  const found = KOHYA_PREFIXES.find(([prefix]) => name.startsWith(prefix));
  if (found) return { prefix: found[0], component: found[1] };
  if (name.startsWith(LYCORIS_BARE)) return { prefix: LYCORIS_BARE, component: null };
  return name.startsWith(KOHYA_BARE) ? { prefix: KOHYA_BARE, component: null } : null;
}

/**
 * ComfyUI names a text encoder's modules `text_encoders.` + the key in its own state dict
 * (comfy/lora.py `model_lora_keys_clip`, the "generic lora format"; comfy_extras/nodes_lora_extract.py
 * LoraSave writes them): `text_encoders.clip_l.transformer.text_model.encoder.layers.0.…`. The same
 * function maps kohya's names onto those weights: `lora_te1_` onto clip_l, `lora_te2_` onto clip_g,
 * and the T5 as `lora_te3_` behind both CLIPs (SD3; sd-scripts networks/lora_sd3.py and lora_flux.py
 * write it so for SD3 and FLUX.1 alike). So each encoder is the component whose kohya prefix that is.
 * (ComfyUI reads a lone clip_g, SDXL refiner's, as `lora_te_`; a name alone cannot tell that case.)
 */
const COMFY_TEXT_ENCODERS: Readonly<Record<string, string>> = { clip_l: 'text_encoder', clip_g: 'text_encoder_2', t5xxl: 'text_encoder_3' };
const COMFY_TEXT_ENCODERS_PREFIX = 'text_encoders.';
/** The wrapper ComfyUI's CLIP and T5 models put around the Hugging Face model (`clip_l.transformer.`). */
const COMFY_WRAPPER = 'transformer.';

/** A ComfyUI text-encoder name's component and path inside it, or null for any other name. */
function comfyTextEncoderOf(name: string): { readonly component: string; readonly path: string } | null {
  if (!name.startsWith(COMFY_TEXT_ENCODERS_PREFIX)) return null;
  const dot = name.indexOf('.', COMFY_TEXT_ENCODERS_PREFIX.length);
  if (dot < 0) return null;
  const component = COMFY_TEXT_ENCODERS[name.slice(COMFY_TEXT_ENCODERS_PREFIX.length, dot)];
  if (component === undefined) return null;
  const rest = name.slice(dot + 1);
  return { component, path: rest.startsWith(COMFY_WRAPPER) ? rest.slice(COMFY_WRAPPER.length) : rest };
}

/** The diffusers component a dotted name starts with (`unet.…`; ComfyUI's text encoders read as theirs), or null. */
export function diffusersComponentOf(name: string): string | null {
  const comfy = comfyTextEncoderOf(name);
  if (comfy) return comfy.component;
  const dot = name.indexOf('.');
  const first = dot > 0 ? name.slice(0, dot) : '';
  return BY_NAME.has(first) || first === DIFFUSION_MODEL ? first : null;
}

/** Splits a module name (PEFT wrapping removed first) into its component and path. */
export function parseModuleName(name: string): ModuleNameParts {
  const rest = withoutPeftWrap(name);
  const kohya = kohyaPrefixOf(rest);
  if (kohya) return { component: kohya.component, path: rest.slice(kohya.prefix.length), spelling: 'kohya' };
  const comfy = comfyTextEncoderOf(rest);
  if (comfy) return { ...comfy, spelling: 'diffusers' };
  const component = diffusersComponentOf(rest);
  if (component) return { component, path: rest.slice(component.length + 1), spelling: 'diffusers' };
  return { component: null, path: rest, spelling: 'plain' };
}

/**
 * kohya's name for a module: its component's written prefix, then the path with dots flattened
 * to underscores. A name already in kohya's spelling is kept; one without a component gets the
 * bare `lora_` prefix.
 */
export function kohyaName(name: string): string {
  if (name.startsWith(KOHYA_BARE) || name.startsWith(LYCORIS_BARE)) return name;
  const { component, path } = parseModuleName(name);
  const written = component === DIFFUSION_MODEL ? 'unet' : component;
  const prefix = written === null ? KOHYA_BARE : (BY_NAME.get(written)?.kohya[0] ?? `lora_${written}_`);
  return prefix + path.replace(/\./g, '_');
}

/**
 * The name of expert `e` of a stacked mixture-of-experts weight, as Hugging Face checkpoints
 * name the expert's own linear layer, so every expert reads as a module of its layer and finds
 * its per-expert base weight: `model.layers.0.mlp.switch_mlp.down_proj` (mlx-lm's SwitchGLU,
 * which mlx-lm's model `sanitize` builds by stacking `mlp.experts.N.down_proj`) and
 * `model.layers.0.mlp.experts` + parameter `down_proj` (PEFT `target_parameters`) both give
 * `model.layers.0.mlp.experts.<e>.down_proj`. A stack under neither container gets
 * `experts.<e>` inserted before its last segment.
 */
export function expertModuleName(stack: string, e: number): string {
  const dot = stack.lastIndexOf('.');
  const leaf = stack.slice(dot + 1);
  const parent = dot >= 0 ? stack.slice(0, dot) : '';
  const pdot = parent.lastIndexOf('.');
  const container = parent.slice(pdot + 1);
  const prefix = container === 'switch_mlp' || container === 'experts' ? parent.slice(0, Math.max(pdot, 0)) : parent;
  return `${prefix ? `${prefix}.` : ''}experts.${e}.${leaf}`;
}

/**
 * torchtune's own module names and Hugging Face's, as torchtune converts checkpoints
 * (torchtune/models/convert_weights.py `_FROM_HF`, the same in qwen2/_convert_weights.py):
 * `layers.N.attn.{q,k,v}_proj` ↔ `model.layers.N.self_attn.{q,k,v}_proj`, `attn.output_proj` ↔
 * `self_attn.o_proj`, `mlp.w1/w2/w3` ↔ `mlp.gate_proj/down_proj/up_proj`, `tok_embeddings` ↔
 * `model.embed_tokens`, `output` ↔ `lm_head`.
 */
const TORCHTUNE_TO_HF: readonly (readonly [RegExp, string])[] = [
  [/^layers\.(\d+)\.attn\.(q_proj|k_proj|v_proj)$/, 'model.layers.$1.self_attn.$2'],
  [/^layers\.(\d+)\.attn\.output_proj$/, 'model.layers.$1.self_attn.o_proj'],
  [/^layers\.(\d+)\.mlp\.w1$/, 'model.layers.$1.mlp.gate_proj'],
  [/^layers\.(\d+)\.mlp\.w2$/, 'model.layers.$1.mlp.down_proj'],
  [/^layers\.(\d+)\.mlp\.w3$/, 'model.layers.$1.mlp.up_proj'],
  [/^tok_embeddings$/, 'model.embed_tokens'],
  [/^output$/, 'lm_head'],
];

/** The Hugging Face name of a torchtune module, or null when the table has no rule for it. */
export function torchtuneToHf(name: string): string | null {
  for (const [pattern, replacement] of TORCHTUNE_TO_HF) if (pattern.test(name)) return name.replace(pattern, replacement);
  return null;
}
