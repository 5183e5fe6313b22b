import { unrecognizedTensors, type BuildContext, type BuildResult } from './build';
import { buildCloneofsimo } from './cloneofsimo';
import { fusedSliceOf } from './fluxNames';
import type { AdaptedModule } from './model';
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
