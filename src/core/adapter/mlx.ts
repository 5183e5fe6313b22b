import type { BuildContext, BuildResult } from './build';
import { numberField, objectField, stringField } from './config';
import { checkedConfig, MLX_CONFIG_KEYS, MLX_LORA_PARAMETER_KEYS } from './configTypes';
import type { ModuleParts } from './group';
import type { AdaptedModule, FactorRef, OtherTensor } from './model';
import { isQuantizedMlx, quantizedCompanions, quantizedStructure } from './mlxQuantLayout';
import { expertModuleName } from './moduleNames';
import { absoluteScale, unknownScale, type ScaleResult } from './scale';
import { describeModule, type ModuleStructure } from './structure';
import { toModule } from './toModule';

/**
 * mlx-lm's default LoRA scale (20.0 since June 2025, 10.0 before). mlx-lm itself cannot load a
 * config without `scale`, so a missing one is an assumption and flagged as such.
 */
const MLX_DEFAULT_SCALE = 20.0;

/**
 * mlx-lm adapters: `…q_proj.lora_a` stored n×r and `lora_b` r×m (transposed against PEFT), and
 * y = W x + scale · (x·lora_a)·lora_b with an absolute `scale` from adapter_config.json's
 * `lora_parameters`. LoRASwitchLinear (MoE experts) stores `lora_b` as [E, m, r] and `lora_a` as
 * [E, r, n] (before October 2025: [E·r, n]), in the standard orientation; expert e's ΔW is
 * scale · lora_b[e] · lora_a[e] (mlx_lm/tuner/lora.py LoRASwitchLinear.fuse), and each expert is
 * listed as a module of its own, named by the names table's `expertModuleName`. Quantized
 * factors: see mlxQuantLayout.ts. Embeddings'
 * factors are the transposes of linear ones (ΔW of the table is scale · lora_a · lora_b).
 */
export function buildMlx(ctx: BuildContext): BuildResult {
  const warnings: string[] = [];
  // Values of the wrong type are left out with a warning (see MLX_CONFIG_KEYS).
  const values = checkedConfig(ctx.config?.values ?? {}, MLX_CONFIG_KEYS, 'adapter_config.json', warnings);
  const rawParams = objectField(values, 'lora_parameters');
  const params = rawParams ? checkedConfig(rawParams, MLX_LORA_PARAMETER_KEYS, 'adapter_config.json', warnings, 'lora_parameters.') : undefined;
  const scale = mlxScale(ctx.config !== null, params);
  const configRank = params ? numberField(params, 'rank') : undefined;
  const modules: AdaptedModule[] = [];
  const others = new Map(ctx.grouped.unclassified.map((t) => [t.name, t]));
  const companions = new Set<string>();
  for (const parts of ctx.grouped.modules) {
    const stacked = stackedExperts(parts);
    if (stacked) {
      for (let e = 0; e < stacked.experts; e++) modules.push(toModule(expertModuleName(parts.module, e), expertStructure(parts, stacked, e), scale, e));
      continue;
    }
    if (isQuantizedMlx(parts, others)) {
      for (const name of quantizedCompanions(parts.module)) companions.add(name);
      modules.push(toModule(parts.module, quantizedStructure(parts, others, ctx.config?.values ?? null), scale));
      continue;
    }
    const structure = asEmbedding(parts.module, describeModule(parts, 'transposed'));
    if (configRank !== undefined && structure.factors && structure.rank !== configRank) {
      structure.warnings.push(`the config says rank ${configRank} but the tensors have rank ${structure.rank}`);
    }
    modules.push(toModule(parts.module, structure, scale));
  }
  const otherTensors: OtherTensor[] = ctx.grouped.unclassified
    .filter((t) => !companions.has(t.name))
    .map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, role: 'unrecognized' }));
  warnings.push(...alphaEraWarning(values, params, scale));
  const dora = stringField(values, 'fine_tune_type') === 'dora' || modules.some((m) => m.magnitude);
  return {
    formatDetail: `mlx-lm ${dora ? 'DoRA' : 'LoRA'}${companions.size > 0 ? ' (quantized factors)' : ''}${modules.some((m) => m.expert !== undefined) ? ' (MoE experts)' : ''}${ctx.config ? '' : ' (no adapter_config.json: scale unknown)'}`,
    peftType: null,
    baseModel: stringField(values, 'model') ?? null,
    modules,
    otherTensors,
    analysable: true,
    warnings,
  };
}

function mlxScale(hasConfig: boolean, params: Readonly<Record<string, unknown>> | undefined): ScaleResult {
  if (!hasConfig) return unknownScale('no adapter_config.json beside the weights');
  const scale = params ? numberField(params, 'scale') : undefined;
  if (scale !== undefined) return absoluteScale(scale, 'lora_parameters.scale');
  return { ...absoluteScale(MLX_DEFAULT_SCALE, 'no scale in the config (mlx-lm cannot load it as is); its current default'), known: false };
}

/**
 * From January to June 2024 (mlx-lm before 0.14.2) LoRALinear used scale · alpha / rank. Configs
 * of that time have `lora_layers` and an `alpha` and no `fine_tune_type` (added in September
 * 2024), but so do configs of the months after, so the file cannot say which rule trained it.
 */
function alphaEraWarning(values: Readonly<Record<string, unknown>>, params: Readonly<Record<string, unknown>> | undefined, scale: ScaleResult): string[] {
  const alpha = params ? numberField(params, 'alpha') : undefined;
  const rank = params ? numberField(params, 'rank') : undefined;
  if (alpha === undefined || rank === undefined || rank <= 0 || 'fine_tune_type' in values || 'num_layers' in values) return [];
  const old = scale.scale * (alpha / rank);
  return [
    `this config's layout (lora_layers with an alpha) is also what mlx-lm wrote before 0.14.2 (June 2024), when the scale was scale · alpha / rank = ${old}; ${scale.scale} is shown, as later versions use`,
  ];
}

/** mlx-lm embeddings (`embed_tokens.lora_a` [num_embeddings, r]): shown in the table's orientation. */
function asEmbedding(name: string, s: ModuleStructure): ModuleStructure {
  if (!/(^|\.)(embed_tokens|wte|word_embeddings|embedding)$/.test(name)) return s;
  return { ...s, kind: 'embedding', shape: [s.shape[1], s.shape[0]] };
}

interface Stacked {
  readonly experts: number;
  readonly m: number;
  readonly n: number;
  readonly r: number;
}

/** LoRASwitchLinear's shapes: lora_b [E, m, r] and lora_a [E, r, n] or [E·r, n]; null otherwise. */
function stackedExperts(parts: ModuleParts): Stacked | null {
  const A = parts.parts.get('A');
  const B = parts.parts.get('B');
  if (!A || !B || B.shape.length !== 3) return null;
  const [experts, m, r] = B.shape;
  if (experts === 0) return null;
  if (A.shape.length === 3 && A.shape[0] === experts && A.shape[1] === r) return { experts, m, r, n: A.shape[2] };
  if (A.shape.length === 2 && A.shape[0] === experts * r) return { experts, m, r, n: A.shape[1] };
  return null;
}

function expertStructure(parts: ModuleParts, s: Stacked, e: number): ModuleStructure {
  const A = parts.parts.get('A');
  const B = parts.parts.get('B');
  const block = { index: e, count: s.experts };
  const ref = (name: string): FactorRef => ({ tensor: name, transposed: false, block });
  const tensors = { A: A?.name ?? '', B: B?.name ?? '' };
  const factors = A && B ? { type: 'lowRank' as const, B: ref(B.name), A: ref(A.name) } : null;
  return { kind: 'linear', shape: [s.m, s.n], rank: s.r, maxRank: Math.min(s.m, s.n, s.r), algorithm: 'LoRA', factors, tensors, warnings: [] };
}
