import { unrecognizedTensors, type BuildContext, type BuildResult } from './build';
import type { AdaptedModule } from './model';
import { kohyaScale } from './scale';
import { describeModule } from './structure';
import { toModule } from './toModule';

/**
 * kohya sd-scripts and LyCORIS files: `lora_unet_*` / `lora_te*_*` module names with
 * `lora_down`/`lora_up`/`alpha` (LoRA, LoCon, Tucker `lora_mid`), `hada_*` (LoHa) or `lokr_*`
 * (LoKr) factors. s = alpha / dim, a missing or zero alpha meaning alpha = dim.
 */
export function buildKohya(ctx: BuildContext, lycoris: boolean): BuildResult {
  const warnings: string[] = [];
  const modules: AdaptedModule[] = ctx.grouped.modules.map((parts) => {
    const structure = describeModule(parts, 'standard');
    const alphaTensor = parts.parts.get('alpha');
    const alpha = alphaTensor ? ctx.scalars.get(alphaTensor.name) : undefined;
    if (alphaTensor && alpha === undefined) structure.warnings.push(`${alphaTensor.name} is not a finite scalar; alpha = dim assumed`);
    const bothFull = structure.algorithm === 'LoKr' && parts.parts.has('lokr_w1') && parts.parts.has('lokr_w2');
    const scale = bothFull ? { scale: 1, alpha: null, rule: 'both LoKr factors are full matrices, so s = 1', known: true } : kohyaScale(alpha, structure.rank);
    return toModule(parts.module, structure, scale);
  });
  const otherTensors = unrecognizedTensors(ctx, warnings);
  return {
    formatDetail: kohyaDetail(modules, lycoris, ctx.header.metadata),
    peftType: null,
    baseModel: kohyaBaseModel(ctx.header.metadata),
    modules,
    otherTensors,
    analysable: true,
    warnings,
  };
}

function kohyaDetail(modules: readonly AdaptedModule[], lycoris: boolean, metadata: Readonly<Record<string, string>> | null): string {
  const algorithms = new Set<string>();
  for (const m of modules) {
    const type = m.factors?.type ?? (m.tensors.hada_w1_a ? 'hadamard' : m.tensors.lokr_w1 || m.tensors.lokr_w1_a ? 'kronecker' : 'lowRank');
    algorithms.add(type === 'hadamard' ? 'LoHa' : type === 'kronecker' ? 'LoKr' : m.kind === 'conv' && lycoris ? 'LoCon' : 'LoRA');
  }
  const list = [...algorithms].join(' + ') || 'LoRA';
  const dora = modules.some((m) => m.magnitude) ? ', DoRA' : '';
  const writer = lycoris ? 'LyCORIS' : 'kohya';
  const module = metadata?.ss_network_module ? `, ${metadata.ss_network_module}` : '';
  return `${writer} ${list} (kohya names${dora}${module})`;
}

/** kohya records the base checkpoint's file name and family in `ss_*` / `modelspec.*` metadata. */
export function kohyaBaseModel(metadata: Readonly<Record<string, string>> | null): string | null {
  if (!metadata) return null;
  const parts = [metadata['modelspec.architecture'], metadata.ss_base_model_version, metadata.ss_sd_model_name].filter(
    (v): v is string => typeof v === 'string' && v.length > 0 && v !== 'None',
  );
  return parts.length > 0 ? [...new Set(parts)].join(' · ') : null;
}
