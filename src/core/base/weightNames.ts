import type { AdaptedModule } from '../adapter/model';
import { canonicalComponent } from '../adapter/moduleNames';
import { baseModuleKey } from '../subspace/names';
import type { BaseWeight } from './baseModel';

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
}

/** What `matchBaseWeight` found: the weight, or why no weight serves. */
export type WeightMatch =
  | {
      readonly weight: BaseWeight;
      /** True when the stored weight is ΔW's transpose (n×m: GPT-2 Conv1D, `fan_in_fan_out`). */
      readonly transposed: boolean;
    }
  | { readonly reason: string };

export function indexBaseWeights(weights: Iterable<BaseWeight>): BaseWeightIndex {
  const entries: KeyedWeight[] = [];
  for (const weight of weights) {
    if (!weight.name.endsWith('.weight') || weight.info.shape.length < 2) continue;
    const key = baseModuleKey(weight.name.slice(0, -'.weight'.length));
    entries.push({ weight, component: key.component, path: key.path });
  }
  return { entries };
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
  if (candidates.length === 0) return { reason: `no base weight named like ${module.name}.weight` };
  const exact = candidates[0].e.path === key.path;
  const tied = candidates.length > 1 && (exact ? candidates[1].distance === candidates[0].distance : candidates[1].e.path !== key.path);
  if (tied) return { reason: `ambiguous: base weights ${candidates[0].e.weight.name} and ${candidates[1].e.weight.name} both fit the name` };
  const weight = candidates[0].e.weight;
  const rows = weight.info.shape[0];
  const cols = weight.info.elements / rows;
  const [m, n] = module.shape;
  if (rows === m && cols === n && !(m === n && fanInFanOut)) return { weight, transposed: false };
  if (rows === n && cols === m) return { weight, transposed: true };
  return { reason: `base weight ${weight.name} is ${rows}×${cols}, but ΔW is ${m}×${n} (nor is it the ${n}×${m} transpose that GPT-2 Conv1D / fan_in_fan_out stores)` };
}
