import type { TensorInfo } from '../safetensors/types';
import type { BuildContext, BuildResult } from './build';
import type { FactorRole } from './keys';
import { listedModule } from './listedModule';
import type { AdaptedModule, OtherTensor } from './model';
import { kohyaPrefixOf } from './moduleNames';
import { kohyaScale } from './scale';
import { describeModule } from './structure';
import { toModule } from './toModule';

/**
 * LyCORIS algorithms that are not a B·A pair, by the tensor suffixes their modules save
 * (KohakuBlueleaf/LyCORIS lycoris/modules/*.py `weight_list`):
 * - GLoRA (glora.py): a1, a2, b1, b2 (and bm) with make_weight = (W·a1·a2 + b1·b2)·s over the
 *   `.weight` matrices: the first term needs the base weight, the low-rank part b1·b2 is
 *   analysed (see gloraModule);
 * - Diag-OFT and BOFT (diag_oft.py, boft.py): `oft_blocks` (skew or rotation blocks) and an
 *   optional `rescale`: ΔW = (R − I)·W needs the base weight;
 * - IA³ (ia3.py): `weight` vectors with `on_input`.
 */
const SUFFIXES: readonly { readonly suffix: string; readonly algorithm: string }[] = [
  { suffix: '.a1.weight', algorithm: 'GLoRA' },
  { suffix: '.a2.weight', algorithm: 'GLoRA' },
  { suffix: '.b1.weight', algorithm: 'GLoRA' },
  { suffix: '.b2.weight', algorithm: 'GLoRA' },
  { suffix: '.bm.weight', algorithm: 'GLoRA' },
  { suffix: '.oft_blocks', algorithm: 'OFT' },
  { suffix: '.oft_diag', algorithm: 'OFT' },
  { suffix: '.rescale', algorithm: 'OFT' },
  { suffix: '.on_input', algorithm: 'IA3' },
  { suffix: '.alpha', algorithm: '' },
];

const NOTES: Readonly<Record<string, string>> = {
  GLoRA: 'GLoRA: ΔW = s·(W·a1·a2 + b1·b2) (LyCORIS glora.py make_weight) has no low-rank part b1·b2 to analyse here, and the W·a1·a2 term needs the base weight',
  OFT: 'OFT/BOFT: block rotations R of the base weight (LyCORIS diag_oft.py, boft.py); ΔW = (R − I)·W needs the base weight; not analysed',
  IA3: 'IA³: a learned rescaling vector (LyCORIS ia3.py); ΔW needs the base weight; not analysed',
};

/** A kohya-named file whose modules are LyCORIS tuners that are not B·A, listed per module; null when there are none. */
export function buildLycorisTuners(ctx: BuildContext): BuildResult | null {
  const groups = new Map<string, { algorithms: Set<string>; tensors: TensorInfo[] }>();
  const others: OtherTensor[] = [];
  for (const t of ctx.header.tensors) {
    const hit = kohyaPrefixOf(t.name) ? SUFFIXES.find((s) => t.name.endsWith(s.suffix)) : undefined;
    if (!hit) {
      others.push({ name: t.name, dtype: t.dtype, shape: t.shape, role: 'unrecognized' });
      continue;
    }
    const module = t.name.slice(0, -hit.suffix.length);
    let group = groups.get(module);
    if (!group) groups.set(module, (group = { algorithms: new Set(), tensors: [] }));
    if (hit.algorithm) group.algorithms.add(hit.algorithm);
    group.tensors.push(t);
  }
  const modules: AdaptedModule[] = [];
  const found = new Set<string>();
  for (const [name, group] of groups) {
    if (group.algorithms.size === 0) {
      for (const t of group.tensors) others.push({ name: t.name, dtype: t.dtype, shape: t.shape, role: 'unrecognized' });
      continue;
    }
    const algorithm = [...group.algorithms][0];
    found.add(algorithm);
    const glora = algorithm === 'GLoRA' && group.algorithms.size === 1 ? gloraModule(name, group.tensors, ctx.scalars) : null;
    // A LyCORIS tensor's role is its key past the module name (`a1.weight`, `oft_diag`).
    modules.push(glora ?? listedModule(name, group.tensors, (t) => roleOf(name, t), 0, NOTES[algorithm]));
  }
  if (modules.length === 0) return null;
  const names = [...found].join(', ');
  const analysed = modules.filter((m) => m.factors).length;
  const listed = modules.length - analysed;
  const parts = [
    ...(analysed > 0 ? [`${analysed} GLoRA module${analysed === 1 ? '' : 's'}: ${GLORA_PART}`] : []),
    ...(listed > 0 ? [`not a low-rank adapter: ${listed} modules listed`] : []),
  ];
  const warnings = analysed > 0 ? [`LyCORIS GLoRA: ${GLORA_PART}`] : [];
  if (listed > 0) warnings.push(`LyCORIS ${names} modules change the base weight itself: each is listed with its tensors; no spectrum is computed for them`);
  return {
    formatDetail: `LyCORIS ${names} (${parts.join('; ')})`,
    peftType: null,
    baseModel: null,
    modules,
    otherTensors: others,
    analysable: analysed > 0,
    warnings,
  };
}

const roleOf = (module: string, t: TensorInfo): string => t.name.slice(module.length + 1);

const GLORA_PART = 'the numbers are of the low-rank part b1·b2 only; the W·a1·a2 term needs the base weight';

/**
 * GLoRA's low-rank part as a module: LyCORIS glora.py make_weight forms wb = b1.weight @ b2.weight
 * (b2 [r, in, …kernel] the down factor, b1 [out, r, 1, …] the up factor), or with use_tucker
 * tucker_weight_from_conv(b1, b2, bm), the kohya `lora_mid` contraction with bm [r, r, …kernel];
 * s = alpha / r as for LoRA. Null when b1 or b2 is missing: the module is then listed.
 */
function gloraModule(name: string, tensors: readonly TensorInfo[], scalars: ReadonlyMap<string, number>): AdaptedModule | null {
  const byRole = new Map(tensors.map((t) => [roleOf(name, t), t]));
  const [b1, b2, bm, alpha] = [byRole.get('b1.weight'), byRole.get('b2.weight'), byRole.get('bm.weight'), byRole.get('alpha')];
  if (!b1 || !b2) return null;
  const parts = new Map<FactorRole, TensorInfo>([['A', b2], ['B', b1], ...(bm ? [['mid', bm] as const] : [])]);
  const structure = describeModule({ module: name, scheme: 'kohya', parts, conflicts: [] }, 'standard');
  const value = alpha ? scalars.get(alpha.name) : undefined;
  const warnings = [`GLoRA: ${GLORA_PART} (LyCORIS glora.py make_weight: ΔW = s·(W·a1·a2 + b1·b2))`, ...structure.warnings];
  if (alpha && value === undefined) warnings.push(`${alpha.name} is not a finite scalar; alpha = dim assumed`);
  const record = Object.fromEntries([...byRole].map(([role, t]) => [role, t.name]));
  return { ...toModule(name, { ...structure, tensors: record, warnings }, kohyaScale(value, structure.rank)), partial: 'the W·a1·a2 term of GLoRA, which needs the base weight' };
}
