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
  const stem = keep && f.A.tensor.endsWith('.lora_down.weight') ? f.A.tensor.slice(0, -'.lora_down.weight'.length) : kohyaName(patternKey);
  return { A: `${stem}.lora_down.weight`, B: `${stem}.lora_up.weight`, alpha: `${stem}.alpha`, transposedA: false, transposedB: false, patternKey };
}

/** The input's layout family, when it is one a resize writes. */
export function inputLayout(format: string): OutputLayout | null {
  return format === 'peft' ? 'peft' : format === 'kohya' || format === 'lycoris' ? 'kohya' : null;
}
