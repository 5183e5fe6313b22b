import type { AdaptedModule } from '../adapter/model';
import { canonicalComponent } from '../adapter/moduleNames';
import { baseModuleKey } from '../subspace/names';
import type { BaseWeight } from './baseModel';
import { expertBlock, expertOf, stackedWeightOf, type StackedWeight } from './stackedExperts';

/** A base weight under the key an adapter module name is matched by. */
interface KeyedWeight {
  readonly weight: BaseWeight;
  readonly component: string | null;
  /** The module path with `.` flattened to `_` (see `baseModuleKey`). */
  readonly path: string;
}

/** The base weights an adapter can adapt (`<module>.weight` of two or more dimensions), keyed once. */
export interface BaseWeightIndex {
  readonly entries: readonly KeyedWeight[];
  /** Experts stored stacked in 3-D tensors (stackedExperts.ts), keyed by their MoE block's path. */
  readonly stacked: readonly (StackedWeight & { readonly key: ReturnType<typeof baseModuleKey> })[];
}

/** What `matchBaseWeight` found: the weight, or why no weight serves. */
export type WeightMatch =
  | {
      readonly weight: BaseWeight;
      /** True when the stored weight is ΔW's transpose (n×m: GPT-2 Conv1D, `fan_in_fan_out`). */
      readonly transposed: boolean;
    }
  | {
      readonly reason: string;
      /**
       * `missing`: no base weight is named like the module; `shape`: the one named like it has a
       * shape ΔW contradicts (or a stacked tensor holds fewer experts); `undetermined`: which
       * weight, or which block of it, cannot be told.
       */
      readonly kind: 'missing' | 'shape' | 'undetermined';
    };

export function indexBaseWeights(weights: Iterable<BaseWeight>): BaseWeightIndex {
  const entries: KeyedWeight[] = [];
  const stacked: BaseWeightIndex['stacked'][number][] = [];
  for (const weight of weights) {
    const expert = stackedWeightOf(weight);
    if (expert) stacked.push({ ...expert, key: baseModuleKey(expert.block) });
    if (!weight.name.endsWith('.weight') || weight.info.shape.length < 2) continue;
    const key = baseModuleKey(weight.name.slice(0, -'.weight'.length));
    entries.push({ weight, component: key.component, path: key.path });
  }
  return { entries, stacked };
}

/**
 * The base weight an adapter module adapts. Both sides are keyed by `baseModuleKey` (PEFT's
 * `base_model.model.` dropped; kohya `lora_unet_`/`lora_te1_`… mapped to `unet`/`text_encoder`…;
 * diffusers component prefixes split off; `.` flattened to `_`, which is how kohya names are
 * matched at all). Components must agree where both sides name one (a single-component base
 * file names none). Paths match when equal, else when one is the other behind extra leading
 * wrappers (`transformer.h.0…` in a PEFT GPT-2 adapter against a bare `h.0…` checkpoint,
 * `model.layers…` against `layers…`). An exact path wins (one in the same component first);
 * without one, a single wrapped match is taken and two or more are reported, not guessed between.
 *
 * The shape must be ΔW's m×n, or its transpose n×m (stored in×out: GPT-2 Conv1D, which PEFT
 * marks `fan_in_fan_out`; a square weight is taken as transposed exactly when that flag is set).
 * A mismatch is a reason, not an exception: the other modules still run.
 */
export function matchBaseWeight(module: Pick<AdaptedModule, 'name' | 'shape'>, index: BaseWeightIndex, fanInFanOut: boolean): WeightMatch {
  const key = baseModuleKey(module.name);
  const candidates = index.entries
    .filter((e) => e.component === null || key.component === null || canonicalComponent(e.component) === canonicalComponent(key.component))
    .filter((e) => e.path === key.path || e.path.endsWith(`_${key.path}`) || key.path.endsWith(`_${e.path}`))
    .map((e) => ({ e, distance: Math.abs(e.path.length - key.path.length) + (e.component === key.component ? 0 : 0.5) }))
    .sort((a, b) => a.distance - b.distance);
  if (candidates.length === 0) return matchStackedExpert(module, index) ?? { reason: `no base weight named like ${module.name}.weight`, kind: 'missing' };
  const exact = candidates[0].e.path === key.path;
  const tied = candidates.length > 1 && (exact ? candidates[1].distance === candidates[0].distance : candidates[1].e.path !== key.path);
  if (tied) return { reason: `ambiguous: base weights ${candidates[0].e.weight.name} and ${candidates[1].e.weight.name} both fit the name`, kind: 'undetermined' };
  return byShape(candidates[0].e.weight, module.shape, fanInFanOut);
}

function byShape(weight: BaseWeight, shape: readonly number[], fanInFanOut: boolean): WeightMatch {
  const rows = weight.info.shape[0];
  const cols = weight.info.elements / rows;
  const [m, n] = shape;
  if (rows === m && cols === n && !(m === n && fanInFanOut)) return { weight, transposed: false };
  if (rows === n && cols === m) return { weight, transposed: true };
  return {
    reason: `base weight ${weight.name} is ${rows}×${cols}, but ΔW is ${m}×${n} (nor is it the ${n}×${m} transpose that GPT-2 Conv1D / fan_in_fan_out stores)`,
    kind: 'shape',
  };
}

/**
 * An expert module (`…mlp.experts.N.<proj>`) against a base that stacks its layer's experts
 * (stackedExperts.ts): expert N's block, in the orientation its shape says. The MoE block paths
 * are matched as module paths are (equal, or one behind extra leading wrappers); null when the
 * module is no expert or no stacked tensor holds its block.
 */
function matchStackedExpert(module: Pick<AdaptedModule, 'name' | 'shape'>, index: BaseWeightIndex): WeightMatch | null {
  const expert = expertOf(module.name);
  if (!expert || index.stacked.length === 0) return null;
  const key = baseModuleKey(expert.block);
  const fits = index.stacked.filter(
    (s) =>
      (s.key.component === null || key.component === null || canonicalComponent(s.key.component) === canonicalComponent(key.component)) &&
      (s.key.path === key.path || s.key.path.endsWith(`_${key.path}`) || key.path.endsWith(`_${s.key.path}`)) &&
      (s.projection === expert.projection || (s.projection === 'gate_up_proj' && expert.projection !== 'down_proj')),
  );
  if (fits.length === 0) return null;
  if (fits.length > 1) return { reason: `ambiguous: stacked expert weights ${fits[0].weight.name} and ${fits[1].weight.name} both fit ${module.name}`, kind: 'undetermined' };
  const s = fits[0];
  const [E, a, b] = s.weight.info.shape;
  const [m, n] = module.shape;
  if (expert.expert >= E) return { reason: `${s.weight.name} stacks ${E} experts; ${module.name} is expert ${expert.expert}`, kind: 'shape' };
  let block: BaseWeight | null;
  if (s.projection === 'gate_up_proj') {
    // [E, 2·I, H] (out×in): gate is rows 0…I, up rows I…2I. In×out ([E, H, 2·I]) halves are columns.
    if (a !== 2 * m || b !== n)
      return {
        reason: `${s.weight.name} is ${E}×${a}×${b}: expert ${expert.expert}'s ${expert.projection} (${m}×${n}) is not a block of it (in×out fused gate/up, as Llama 4 and gpt-oss store them, are columns)`,
        kind: 'shape',
      };
    block = expertBlock(s.weight, expert.expert, expert.projection === 'gate_proj' ? 0 : m, m);
  } else {
    if (a === b && s.layout === 'fused')
      return { reason: `${s.weight.name}: a square stacked expert weight does not say whether it is stored out×in or in×out`, kind: 'undetermined' };
    block = expertBlock(s.weight, expert.expert, 0, a);
  }
  if (!block) return { reason: `${s.weight.name}: expert ${expert.expert}'s block is not a whole number of bytes inside the tensor`, kind: 'undetermined' };
  return byShape(block, module.shape, false);
}
