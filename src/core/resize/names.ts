import type { AdaptedModule } from '../adapter/model';
import { kohyaName, PEFT_WRAP } from '../adapter/moduleNames';
import type { OutputLayout } from './target';

/** Where one module's truncated factors go, and how they are stored. */
export interface FactorNames {
  readonly A: string;
  readonly B: string;
  /** kohya's per-module alpha tensor; null for PEFT (alpha goes to the config). */
  readonly alpha: string | null;
  /** Stored as the transpose of the canonical factor (PEFT embeddings). */
  readonly transposedA: boolean;
  readonly transposedB: boolean;
  /** The module's name in PEFT's rank_pattern / alpha_pattern. */
  readonly patternKey: string;
}

/** A module name without the " [adapter]" suffix the loader adds for non-default PEFT adapters. */
function bareName(module: AdaptedModule): string {
  return module.name.replace(/ \[[^\]]*\]$/, '');
}

/**
 * Tensor names for a module. Writing the input's own layout keeps its tensor names and
 * orientation (adapter names, embeddings and key prefixes survive); converting builds the
 * target's names from the module name.
 */
export function factorNames(module: AdaptedModule, inputLayout: OutputLayout | null, layout: OutputLayout): FactorNames {
  const f = module.factors?.type === 'lowRank' ? module.factors : null;
  // AdaLoRA saves bare parameters (`…lora_A`, no `.weight`); plain LoRA needs module weights.
  const keep = inputLayout === layout && f !== null && !/\.lora_[AB]$/.test(f.A.tensor);
  const patternKey = bareName(module);
  if (layout === 'peft') {
    if (keep) return { A: f.A.tensor, B: f.B.tensor, alpha: null, transposedA: f.A.transposed, transposedB: f.B.transposed, patternKey };
    return { A: `${PEFT_WRAP}${patternKey}.lora_A.weight`, B: `${PEFT_WRAP}${patternKey}.lora_B.weight`, alpha: null, transposedA: false, transposedB: false, patternKey };
  }
  if (f !== null && Math.abs(module.scale) === 1 && isCloneofsimo(f.A.tensor, f.B.tensor))
    return { A: f.A.tensor, B: f.B.tensor, alpha: null, transposedA: false, transposedB: false, patternKey };
  const stem = keep && f.A.tensor.endsWith('.lora_down.weight') ? f.A.tensor.slice(0, -'.lora_down.weight'.length) : kohyaStem(patternKey, f?.A.tensor ?? '');
  return { A: `${stem}.lora_down.weight`, B: `${stem}.lora_up.weight`, alpha: `${stem}.alpha`, transposedA: false, transposedB: false, patternKey };
}

/**
 * cloneofsimo lora_diffusion keys (`unet:3:down` / `unet:3:up`). Their names are positions in the
 * model's layer walk, so no kohya name is known for a module the loader could not map to its real
 * name; the file keeps its own layout, which lora_diffusion's loader reads with each module's rank
 * from the `<model>:<i>:rank` metadata (lora_diffusion/lora.py, parse_safeloras). It has no alpha:
 * its scale is 1 (cloneofsimo.ts), which the kept |s| = 1 writes exactly.
 */
const CLONEOFSIMO_DOWN = /^[A-Za-z0-9_.]+:\d{1,6}:down$/;

function isCloneofsimo(down: string, up: string): boolean {
  return CLONEOFSIMO_DOWN.test(down) && up === `${down.slice(0, -'down'.length)}up`;
}

/** The `<model>:<i>:rank` metadata key of a cloneofsimo down tensor, or null for any other name. */
export function cloneofsimoRankKey(down: string): string | null {
  return CLONEOFSIMO_DOWN.test(down) ? `${down.slice(0, -'down'.length)}rank` : null;
}

/**
 * XLabs x-flux keys (`double_blocks.0.processor.qkv_lora1.down.weight`) name their module by the
 * FLUX weight it adds to, with no component (diffusionKeys.ts). x-flux's own loader builds every
 * processor at one rank, so a resized file is written under kohya's FLUX names, `lora_unet_` + the
 * BFL path (sd-scripts networks/lora_flux.py; ComfyUI and diffusers read them too). A single
 * block's qkv_lora adds to the q, k, v rows of linear1 only: ComfyUI's name for those rows is
 * `diffusion_model.single_blocks.N.linear1_qkv` (comfy/lora.py model_lora_keys_unet, the FLUX
 * branch maps it to linear1's first 3 × hidden rows), and no kohya name exists for it.
 */
const XLABS_DOWN = /\.processor\.(?:qkv|proj)_lora[12]?\.down\.weight$/;
const DENOISER_PREFIX = 'diffusion_model.';

function kohyaStem(patternKey: string, down: string): string {
  if (!XLABS_DOWN.test(down)) return kohyaName(patternKey);
  const path = patternKey.startsWith(DENOISER_PREFIX) ? patternKey.slice(DENOISER_PREFIX.length) : patternKey;
  if (path.endsWith('.linear1.qkv')) return `${DENOISER_PREFIX}${path.slice(0, -'.linear1.qkv'.length)}.linear1_qkv`;
  return kohyaName(`${DENOISER_PREFIX}${path}`);
}

/** The input's layout family, when it is one a resize writes. */
export function inputLayout(format: string): OutputLayout | null {
  return format === 'peft' ? 'peft' : format === 'kohya' || format === 'lycoris' ? 'kohya' : null;
}
