import type { TensorInfo } from '../safetensors/types';
import type { BuildContext, BuildResult } from './build';
import { numberField } from './config';
import { listedModule } from './listedModule';
import type { AdaptedModule, FactorRef, OtherTensor } from './model';
import { withoutPeftWrap } from './moduleNames';

/**
 * PEFT tuner types whose saved tensors are per module but not a B·A pair, with the parameter
 * prefix PEFT saves them under (src/peft/utils/constants.py PEFT_TYPE_TO_PREFIX_MAPPING, the
 * layer classes in src/peft/tuners/<type>/layer.py) and what ΔW is in terms of them.
 */
const PER_MODULE: Readonly<Record<string, { readonly name: string; readonly prefix: string; readonly note: string }>> = {
  IA3: {
    name: '(IA)³',
    prefix: 'ia3_l',
    note: 'a learned vector rescales the layer’s output (its input for feed-forward layers): ΔW = (diag(l) − I)·W needs the base weight; not analysed',
  },
  OFT: {
    name: 'OFT',
    prefix: 'oft_',
    note: 'block-diagonal orthogonal rotation R (Cayley transform of skew-symmetric blocks, tuners/oft/layer.py) of the base weight: ΔW = (R − I)·W needs the base weight; not analysed',
  },
  BOFT: {
    name: 'BOFT',
    prefix: 'boft_',
    note: 'butterfly product of block rotations and a scaling boft_s (tuners/boft/layer.py): ΔW = (R·W)·diag(s) − W needs the base weight; not analysed',
  },
  HRA: { name: 'HRA', prefix: 'hra_', note: 'Householder reflections of the base weight: ΔW needs the base weight; not analysed' },
  FOURIERFT: {
    name: 'FourierFT',
    prefix: 'fourierft_',
    note: 'sparse spectral coefficients at frequencies drawn from random_loc_seed (tuners/fourierft/layer.py): listed, not analysed',
  },
  VBLORA: { name: 'VB-LoRA', prefix: 'vblora_', note: 'per-module logits that mix a shared vector bank: listed, not analysed' },
  LN_TUNING: { name: 'LN tuning', prefix: 'ln_tuning_', note: 'tuned layer-norm parameters (full copies): listed, not analysed' },
  BONE: { name: 'Bone', prefix: 'bone_', note: 'block-affine update of the base weight: ΔW needs the base weight; not analysed' },
  C3A: { name: 'C3A', prefix: 'c3a_', note: 'circular-convolution kernels: listed, not analysed' },
  SHIRA: { name: 'SHiRA', prefix: 'shira_', note: 'a sparse high-rank update at saved indices: listed, not analysed' },
  MISS: { name: 'MiSS', prefix: 'miss_', note: 'a shared-shard update of the base weight: listed, not analysed' },
};

/** VeRA (src/peft/tuners/vera): PEFT's saved keys. */
const VERA_LAMBDA_B = '.vera_lambda_b';
const VERA_LAMBDA_D = '.vera_lambda_d';

/** A PEFT tuner type this file reads per module, or null to keep the type-level listing. */
export function buildTuner(ctx: BuildContext, peftType: string, baseModel: string | null): BuildResult | null {
  if (peftType === 'VERA') return buildVera(ctx, baseModel);
  const kind = PER_MODULE[peftType];
  if (!kind) return null;
  const groups = new Map<string, TensorInfo[]>();
  const others: OtherTensor[] = [];
  for (const t of ctx.header.tensors) {
    const at = t.name.indexOf(`.${kind.prefix}`);
    if (at <= 0) {
      others.push({ name: t.name, dtype: t.dtype, shape: t.shape, role: 'non-low-rank parameter' });
      continue;
    }
    const module = withoutPeftWrap(t.name.slice(0, at));
    const group = groups.get(module);
    if (group) group.push(t);
    else groups.set(module, [t]);
  }
  if (groups.size === 0) return null;
  const r = numberField(ctx.config?.values ?? {}, 'r') ?? 0;
  const modules = [...groups].map(([name, tensors]) => listedModule(name, tensors, lastPart, r, kind.note));
  return {
    formatDetail: `PEFT ${kind.name} (not a low-rank adapter: ${modules.length} modules listed)`,
    peftType,
    baseModel,
    modules,
    otherTensors: others,
    analysable: false,
    warnings: [`PEFT type ${peftType} is not a low-rank adapter: each module's ${kind.prefix}* tensors are listed with what they mean; no spectrum is computed`],
  };
}

/** A PEFT tuner tensor's role: the last part of its key (`…ia3_l` → `ia3_l`). */
function lastPart(t: TensorInfo): string {
  return t.name.slice(t.name.lastIndexOf('.') + 1);
}

/**
 * VeRA (src/peft/tuners/vera/layer.py Linear.get_delta_weight): shared frozen projections
 * vera_A [r, max_in] and vera_B [max_out, r], saved as `base_model.vera_A` / `base_model.vera_B`
 * when `save_projection` is true (src/peft/utils/save_and_load.py), and per module the trained
 * `vera_lambda_b` [out] and `vera_lambda_d` [r]; ΔW = diag(λ_b)·vera_B[:out, :]·diag(λ_d)·vera_A[:, :in]
 * with no other scale. ΔW is low rank and is analysed exactly from these. The layer's input width
 * is not in the file: it is taken as vera_A's width (the widest adapted input), which is exact
 * for every layer as wide as that (flagged per module).
 */
function buildVera(ctx: BuildContext, baseModel: string | null): BuildResult {
  const byName = ctx.header.byName;
  const find = (stem: string): TensorInfo | undefined => byName.get(`base_model.${stem}`) ?? ctx.header.tensors.find((t) => t.name.startsWith(`base_model.${stem}.`));
  const A = find('vera_A');
  const B = find('vera_B');
  const modules: AdaptedModule[] = [];
  const used = new Set<string>();
  for (const t of ctx.header.tensors) {
    const at = t.name.indexOf(VERA_LAMBDA_B);
    if (at <= 0) continue;
    const stem = t.name.slice(0, at);
    const lambdaD = byName.get(t.name.replace(VERA_LAMBDA_B, VERA_LAMBDA_D));
    used.add(t.name);
    if (lambdaD) used.add(lambdaD.name);
    modules.push(veraModule(withoutPeftWrap(stem), t, lambdaD, A, B));
  }
  if (A) used.add(A.name);
  if (B) used.add(B.name);
  const otherTensors = ctx.header.tensors
    .filter((t) => !used.has(t.name))
    .map((t): OtherTensor => ({ name: t.name, dtype: t.dtype, shape: t.shape, role: 'non-low-rank parameter' }));
  const warnings =
    A && B
      ? []
      : ['the shared projections vera_A / vera_B are not saved (save_projection = false): PEFT regenerates them from projection_prng_key, so ΔW cannot be formed from the file'];
  return {
    formatDetail: `PEFT VeRA${A && B ? '' : ' (projections not saved)'}`,
    peftType: 'VERA',
    baseModel,
    modules,
    otherTensors,
    analysable: modules.some((m) => m.factors !== null),
    warnings,
  };
}

function veraModule(name: string, lambdaB: TensorInfo, lambdaD: TensorInfo | undefined, A: TensorInfo | undefined, B: TensorInfo | undefined): AdaptedModule {
  const m = lambdaB.elements;
  const r = lambdaD?.elements ?? 0;
  const n = A && A.shape.length === 2 ? A.shape[1] : 0;
  const tensors: Record<string, string> = { lambda_b: lambdaB.name, ...(lambdaD ? { lambda_d: lambdaD.name } : {}), ...(A ? { A: A.name } : {}), ...(B ? { B: B.name } : {}) };
  const warnings: string[] = [];
  let factors: AdaptedModule['factors'] = null;
  if (!lambdaD) warnings.push('vera_lambda_d is missing; this module cannot be analysed');
  else if (!A || !B) warnings.push('the shared projections are not in the file; this module cannot be analysed');
  else if (A.shape.length !== 2 || B.shape.length !== 2 || A.shape[0] !== r || B.shape[1] !== r || B.shape[0] < m)
    warnings.push(`vera_A [${A.shape}] and vera_B [${B.shape}] do not fit λ_d of ${r} and λ_b of ${m} values; this module cannot be analysed`);
  else {
    const refB: FactorRef = { tensor: B.name, transposed: false, window: { rows: m, cols: r }, scaleRows: lambdaB.name };
    const refA: FactorRef = { tensor: A.name, transposed: false, window: { rows: r, cols: n }, scaleRows: lambdaD.name };
    factors = { type: 'lowRank', B: refB, A: refA };
    warnings.push(`the layer's input width is not saved: taken as vera_A's width ${n}; exact when this layer is that wide`);
  }
  return {
    name,
    kind: 'linear',
    shape: [m, n],
    rank: r,
    maxRank: Math.min(m, n, r),
    alpha: null,
    scale: 1,
    scaleRule: 'VeRA has no scale: ΔW = Λ_b·B·Λ_d·A',
    scaleKnown: true,
    factors,
    tensors,
    warnings,
  };
}
