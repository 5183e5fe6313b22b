import type { TensorSource } from '../container/source';
import { unrecognizedTensors, type BuildContext, type BuildResult } from './build';
import { buildCloneofsimo } from './cloneofsimo';
import { fusedSliceOf } from './fluxNames';
import type { GuessedGroups } from './guess';
import type { AdaptedModule, OtherTensor } from './model';
import { unknownScale } from './scale';
import { describeModule } from './structure';
import { toModule } from './toModule';

/** The builder for diffusion layouts with a key scheme of their own, or null for plain diffusers. */
export function buildDiffusionVariant(ctx: BuildContext): BuildResult | null {
  let cloneofsimo = 0;
  let xlabs = 0;
  for (const m of ctx.grouped.modules) {
    if (m.scheme === 'cloneofsimo') cloneofsimo++;
    else if (m.scheme === 'xlabs') xlabs++;
  }
  const half = ctx.grouped.modules.length / 2;
  if (cloneofsimo > half) return buildCloneofsimo(ctx);
  if (xlabs > half) return buildXlabs(ctx);
  return null;
}

/**
 * XLabs x-flux LoRAs (keys.ts names their modules by the BFL weight they add to). x-flux adds
 * `qkv_lora(x) · lora_weight` (src/flux/modules/layers.py), lora_weight = 1 unless the user
 * changes it, and its trainer builds LoRALinearLayer with network_alpha = None (no α/r factor);
 * diffusers' converter keeps the factors unscaled. So s = 1.
 */
function buildXlabs(ctx: BuildContext): BuildResult {
  const warnings: string[] = [];
  const scale = { scale: 1, alpha: null, rule: 'x-flux adds the LoRA output times lora_weight (1 by default) with no alpha, so s = 1', known: true };
  const modules: AdaptedModule[] = ctx.grouped.modules.map((parts) => {
    const structure = describeModule(parts, 'standard');
    if (parts.module.endsWith('.linear1.qkv'))
      structure.warnings.push('x-flux adds this update to the q, k and v rows of linear1 only (its first 3 × hidden outputs), not to the MLP rows');
    return toModule(parts.module, structure, scale);
  });
  return {
    formatDetail: 'XLabs x-flux FLUX LoRA (processor.qkv_lora/proj_lora keys, BFL module names)',
    peftType: null,
    baseModel: null,
    modules,
    otherTensors: unrecognizedTensors(ctx, warnings),
    analysable: true,
    warnings,
  };
}

/**
 * Marks modules trained on one slice of a fused weight (OneTrainer's `img_attn.qkv.0/1/2`,
 * `linear1.0–3`): each stays a module of its own, grouped by the fused weight.
 */
export function markFusedSlices(modules: readonly AdaptedModule[], warnings: string[]): AdaptedModule[] {
  const fused = new Set<string>();
  const marked = modules.map((m) => {
    const slice = fusedSliceOf(m.name);
    if (!slice) return m;
    fused.add(slice.weight);
    return { ...m, fusedSlice: slice };
  });
  if (fused.size > 0)
    warnings.push(
      `${marked.length - modules.filter((m) => !fusedSliceOf(m.name)).length} module(s) adapt slices of ${fused.size} fused weight(s) (q, k, v of a fused qkv; q, k, v, mlp of linear1), each with factors of its own, as OneTrainer writes them: each slice is analysed as its own module`,
    );
  return marked;
}

/** Guessed modules: the format line says so; anonymous pairs have no scale rule. */
export function applyGuess(built: BuildResult, guess: GuessedGroups): BuildResult {
  const modules = built.modules.map((m) =>
    guess.rules.get(m.name) === 'anonymous' ? { ...m, ...scaleFields(unknownScale('anonymous factors name no layout and so no scale rule')) } : m,
  );
  const rules = [...new Set(guess.rules.values())].join(' and ');
  return { ...built, formatDetail: `factors under unknown keys, paired by a guessed rule (${rules})`, modules, warnings: [...guess.warnings, ...built.warnings] };
}

function scaleFields(s: ReturnType<typeof unknownScale>): Pick<AdaptedModule, 'scale' | 'alpha' | 'scaleRule' | 'scaleKnown'> {
  return { scale: s.scale, alpha: s.alpha, scaleRule: s.rule, scaleKnown: s.known };
}

/** Full-rank pieces whose norm is read; larger ones are listed without it. */
const MAX_NORM_ELEMENTS = 1 << 22;

/**
 * Full-rank pieces saved beside the factors: `<module>.diff` (a full weight difference) and
 * `<module>.diff_b` (a bias difference), as Wan 2.x LoRAs and musubi-tuner/ComfyUI files carry
 * them. ComfyUI adds them to the weight (comfy/lora.py, the "diff" patch); diffusers drops them
 * with a log message (lora_conversion_utils.py, `has_diffb`, `has_norm_diff`). Each is reported
 * with its module and its Frobenius norm, not dropped.
 */
export async function describeFullRankPieces(file: TensorSource, others: readonly OtherTensor[], warnings: string[]): Promise<OtherTensor[]> {
  let pieces = 0;
  const out: OtherTensor[] = [];
  for (const t of others) {
    const match = /^(.+)\.(diff|diff_b)$/.exec(t.name);
    if (!match) {
      out.push(t);
      continue;
    }
    pieces++;
    const info = file.header.byName.get(t.name);
    let norm: number | undefined;
    if (info && info.elements <= MAX_NORM_ELEMENTS) {
      try {
        const values = await file.readFloat64(info);
        let sum = 0;
        for (let i = 0; i < values.length; i++) sum += values[i] * values[i];
        norm = Math.sqrt(sum);
      } catch {
        // A dtype that is not numeric: listed without a norm.
      }
    }
    out.push({ ...t, role: match[2] === 'diff' ? 'full-rank diff' : 'bias diff', module: match[1], ...(norm !== undefined && Number.isFinite(norm) ? { norm } : {}) });
  }
  if (pieces > 0)
    warnings.push(
      `${pieces} full-rank piece(s) (diff, diff_b) are added to their modules beside the low-rank update (ComfyUI applies them; diffusers drops them); they are listed with their norms and are not part of the spectra`,
    );
  return out;
}
