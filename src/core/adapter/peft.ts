import type { TensorInfo } from '../safetensors/types';
import type { BuildContext, BuildResult } from './build';
import { numberField, stringField } from './config';
import { checkedConfig, checkPatternValues, PEFT_CONFIG_KEYS } from './configTypes';
import type { ModuleParts } from './group';
import type { AdaptedModule, OtherTensor } from './model';
import { paramWrapperModules, peftExtraNotes } from './moe';
import { PEFT_WRAP, withoutPeftWrap } from './moduleNames';
import { compilePatterns, MAX_PATTERN_KEYS, type PatternTable } from './patterns';
import { adaloraScale, peftScale, unknownScale, type ScaleResult } from './scale';
import { describeModule, type ModuleStructure } from './structure';
import { toModule } from './toModule';
import { buildTuner } from './tuners';

/** PEFT types whose ΔW is a low-rank product this tool reads exactly. */
const LOW_RANK_TYPES = new Set(['LORA', 'ADALORA', 'LOHA', 'LOKR']);

/** What the other PEFT types store instead, for the note that says why they are not analysed. */
const NOT_LOW_RANK: Readonly<Record<string, string>> = {
  UNILORA: 'one shared parameter vector projected into every layer',
  VERA: 'shared frozen random projections with trained per-layer scaling vectors',
  VBLORA: 'factors assembled from a shared vector bank',
  IA3: 'learned rescaling vectors',
  OFT: 'orthogonal rotations of the base weight',
  BOFT: 'butterfly-factored orthogonal rotations of the base weight',
  HRA: 'Householder reflections of the base weight',
  FOURIERFT: 'sparse spectral (Fourier) coefficients',
  LN_TUNING: 'layer-norm parameters',
  PROMPT_TUNING: 'soft prompt embeddings',
  P_TUNING: 'soft prompt embeddings from a prompt encoder',
  PREFIX_TUNING: 'per-layer key/value prefixes',
  MULTITASK_PROMPT_TUNING: 'soft prompt embeddings',
  ADAPTION_PROMPT: 'gated adaption prompts',
  POLY: 'a routed mixture of LoRA modules',
  XLORA: 'a learned mixture of several LoRA adapters',
};

export function buildPeft(ctx: BuildContext): BuildResult {
  const warnings: string[] = [];
  // A value of the wrong type is left out with a warning, so it is never half-used.
  const values = checkedPeftConfig(ctx.config?.values ?? {}, 'adapter_config.json', warnings);
  const peftType = typeof values.peft_type === 'string' ? values.peft_type.toUpperCase() : null;
  const baseModel = stringField(values, 'base_model_name_or_path') ?? null;
  if (peftType !== null && !LOW_RANK_TYPES.has(peftType)) return buildTuner(ctx, peftType, baseModel) ?? notLowRank(ctx, peftType, baseModel, warnings);

  const scaleOf = ctx.config ? peftScaleRule(values, peftType ?? 'LORA', warnings) : () => unknownScale('no adapter_config.json beside the weights');
  const targets = Array.isArray(values.target_parameters) ? values.target_parameters.filter((t): t is string => typeof t === 'string') : [];
  const modules: AdaptedModule[] = [];
  for (const parts of ctx.grouped.modules) {
    const name = moduleName(parts);
    const experts = targets.length > 0 ? paramWrapperModules({ ...parts, module: withoutPeftWrap(parts.module) }, numberField(values, 'r'), targets) : null;
    if (experts) {
      for (const x of experts) modules.push(toModule(x.name, x.structure, scaleOf(x.name, x.structure), x.expert));
      continue;
    }
    const structure = describeModule(parts, 'standard');
    structure.warnings.push(...peftExtraNotes(parts));
    modules.push(toModule(name, structure, scaleOf(name, structure)));
  }
  const otherTensors = otherPeftTensors(ctx.grouped.unclassified, values, warnings);
  if (values.use_dora === true && !modules.some((m) => m.magnitude)) warnings.push('the config sets use_dora but no lora_magnitude_vector tensors are in the file');
  return {
    formatDetail: peftDetail(peftType, values, modules, ctx.config !== null),
    peftType,
    baseModel,
    modules,
    otherTensors,
    analysable: true,
    warnings,
  };
}

/**
 * A PEFT config with the keys this reader uses type-checked (see PEFT_CONFIG_KEYS); pattern
 * entries that are not numbers are named in warnings. `where` names the config in them.
 */
export function checkedPeftConfig(values: Readonly<Record<string, unknown>>, where: string, warnings: string[]): Readonly<Record<string, unknown>> {
  const checked = checkedConfig(values, PEFT_CONFIG_KEYS, where, warnings);
  checkPatternValues(checked.rank_pattern, 'rank_pattern', where, 'r', warnings, MAX_PATTERN_KEYS);
  checkPatternValues(checked.alpha_pattern, 'alpha_pattern', where, 'lora_alpha', warnings, MAX_PATTERN_KEYS);
  return checked;
}

function moduleName(parts: ModuleParts): string {
  const bare = parts.module.startsWith(PEFT_WRAP) ? parts.module.slice(PEFT_WRAP.length) : parts.module;
  return parts.adapterName && parts.adapterName !== 'default' ? `${bare} [${parts.adapterName}]` : bare;
}

/**
 * The scale rule of a PEFT config, per module: r and α from rank_pattern / alpha_pattern when
 * a key matches, else the config's r and lora_alpha; rsLoRA divides by √r. AdaLoRA scales by
 * lora_alpha / (ranknum + 1e-5) exactly as PEFT computes it, where ranknum is init_r: PEFT never
 * saves it and keeps init_r even in layers whose saved factors were trimmed to fewer ranks (its
 * rank_pattern then holds boolean masks, which the pattern table skips).
 */
export function peftScaleRule(values: Readonly<Record<string, unknown>>, peftType: string, warnings: string[]): (name: string, s: ModuleStructure) => ScaleResult {
  const r = numberField(values, peftType === 'ADALORA' ? 'init_r' : 'r') ?? numberField(values, 'r');
  const alpha = numberField(values, peftType === 'LORA' || peftType === 'ADALORA' ? 'lora_alpha' : 'alpha');
  const rslora = values.use_rslora === true;
  const ranks: PatternTable = compilePatterns(values.rank_pattern, 'rank_pattern', peftType === 'ADALORA' ? 'init_r' : 'r', warnings);
  const alphas: PatternTable = compilePatterns(values.alpha_pattern, 'alpha_pattern', peftType === 'LORA' || peftType === 'ADALORA' ? 'lora_alpha' : 'alpha', warnings);
  // Modules share a handful of (r, α, pattern) combinations: build each rule's text once.
  const cache = new Map<string, ScaleResult>();
  const cached = (key: string, make: () => ScaleResult): ScaleResult => {
    let result = cache.get(key);
    if (!result) cache.set(key, (result = make()));
    return result;
  };
  return (name, s) => {
    const rankHit = ranks.match(name);
    const alphaHit = alphas.match(name);
    const moduleR = rankHit?.value ?? r;
    const moduleAlpha = alphaHit?.value ?? alpha;
    if (moduleR === undefined || moduleAlpha === undefined) return unknownScale(`the config has no ${moduleR === undefined ? 'r' : 'lora_alpha'}`);
    if (peftType === 'ADALORA') {
      const ranknum = moduleR;
      const scaling = moduleAlpha > 0 ? moduleAlpha : ranknum;
      return cached(`ada ${scaling} ${ranknum}`, () => ({ ...adaloraScale(scaling, ranknum), alpha: moduleAlpha }));
    }
    if (s.factors && moduleR !== s.rank) {
      const source = rankHit ? `rank_pattern "${rankHit.key}"` : 'r';
      s.warnings.push(`the config's ${source} says rank ${moduleR} but the tensors have rank ${s.rank}; the config's value is used for the scale`);
    }
    return cached(`${moduleR} ${moduleAlpha} ${rankHit?.key ?? ''} ${alphaHit?.key ?? ''}`, () => {
      const result = peftScale(moduleAlpha, moduleR, rslora);
      const via = [rankHit && `r from rank_pattern "${rankHit.key}"`, alphaHit && `alpha from alpha_pattern "${alphaHit.key}"`].filter(Boolean);
      return via.length ? { ...result, rule: `${result.rule} (${via.join(', ')})` } : result;
    });
  };
}

function peftDetail(peftType: string | null, values: Readonly<Record<string, unknown>>, modules: readonly AdaptedModule[], hasConfig: boolean): string {
  if (!hasConfig) return 'PEFT LoRA (no adapter_config.json: scale unknown)';
  const name = peftType === 'ADALORA' ? 'AdaLoRA' : peftType === 'LOHA' ? 'LoHa' : peftType === 'LOKR' ? 'LoKr' : 'LoRA';
  const variants: string[] = [];
  if (values.use_rslora === true) variants.push('rsLoRA');
  if (modules.some((m) => m.magnitude)) variants.push('DoRA');
  if (modules.some((m) => m.factors?.type === 'lowRank' && m.factors.mixer)) variants.push('MoSLoRA mixer');
  if (peftType === 'LORA' && modules.some((m) => m.tensors.E?.includes('lora_diag'))) variants.push('KaSA');
  if (modules.some((m) => m.tensors.biasB)) variants.push('lora_bias');
  if (values.fan_in_fan_out === true) variants.push('fan_in_fan_out');
  return `PEFT ${name}${variants.length ? ` (${variants.join(', ')})` : ''}`;
}

function otherPeftTensors(tensors: readonly TensorInfo[], values: Readonly<Record<string, unknown>>, warnings: string[]): OtherTensor[] {
  const saved = Array.isArray(values.modules_to_save) ? values.modules_to_save.filter((x): x is string => typeof x === 'string') : [];
  const unlisted: string[] = [];
  const others = tensors.map((t): OtherTensor => {
    const path = t.name.startsWith(PEFT_WRAP) ? t.name.slice(PEFT_WRAP.length) : t.name;
    const module = path.replace(/\.(weight|bias)$/, '');
    const listed = path.includes('.modules_to_save.') || saved.some((s) => module === s || module.endsWith(`.${s}`) || module.startsWith(`${s}.`) || module.includes(`.${s}.`));
    if (!listed) unlisted.push(t.name);
    const role = listed ? 'modules_to_save' : t.name.endsWith('.bias') ? 'bias' : 'full weight';
    return { name: t.name, dtype: t.dtype, shape: t.shape, role };
  });
  if (unlisted.length > 0) {
    const sample = unlisted.slice(0, 3).join(', ');
    warnings.push(
      `${unlisted.length} full tensor(s) saved beside the adapter and not listed in modules_to_save (${sample}${unlisted.length > 3 ? ', …' : ''}); PEFT saves task heads this way`,
    );
  }
  return others;
}

function notLowRank(ctx: BuildContext, peftType: string, baseModel: string | null, configWarnings: readonly string[]): BuildResult {
  const what = NOT_LOW_RANK[peftType] ?? 'not a low-rank B·A update';
  const count = ctx.header.tensors.length;
  return {
    formatDetail: `PEFT ${peftType} (not a low-rank adapter)`,
    peftType,
    baseModel,
    modules: [],
    otherTensors: ctx.header.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, role: 'non-low-rank parameter' })),
    analysable: false,
    warnings: [
      ...configWarnings,
      `PEFT type ${peftType} is not a low-rank adapter (${what}): ${count === 1 ? 'its one tensor is' : `its ${count} tensors are`} listed, not analysed`,
    ],
  };
}
