import type { Adapter } from '../adapter/model';
import type { TensorInfo } from '../safetensors/types';
import { cloneofsimoRankKey, factorNames, inputLayout, type FactorNames } from './names';
import type { ResizableModule, SkippedModule } from './prepare';
import type { OutputLayout } from './target';

export type FloatDType = 'F64' | 'F32' | 'F16' | 'BF16';

/** One tensor of the output, in file order. */
export type PlannedTensor =
  /** A truncated factor of module `module` (index into the kept modules). */
  | {
      readonly kind: 'factor';
      readonly name: string;
      readonly shape: readonly number[];
      readonly dtype: FloatDType;
      readonly module: number;
      readonly role: 'A' | 'B';
      readonly transposed: boolean;
    }
  /** kohya's alpha scalar. */
  | { readonly kind: 'alpha'; readonly name: string; readonly shape: readonly number[]; readonly dtype: 'F32'; readonly value: number }
  /** An input tensor copied byte for byte (DoRA magnitude, modules_to_save, LoHa/LoKr kept as they are). */
  | { readonly kind: 'copy'; readonly name: string; readonly shape: readonly number[]; readonly dtype: TensorInfo['dtype']; readonly source: TensorInfo };

/** One kept module as written: its names, kept rank and output scale. */
export interface WrittenModule {
  readonly names: FactorNames;
  readonly kept: number;
  /** s' > 0 with s'·B'·A' the truncation; α' = s'·k for both layouts. */
  readonly scale: number;
  readonly alpha: number;
}

export interface WritePlan {
  readonly tensors: readonly PlannedTensor[];
  readonly modules: readonly WrittenModule[];
  readonly notes: readonly string[];
  /** `__metadata__` entries the written names need: each cloneofsimo module's `<model>:<i>:rank`. */
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * The output's tensors. The new scale keeps each module's |s| (α' = |s|·k, kohya's own choice
 * when it resizes): the sign of a negative s goes into the factors (X's columns already carry
 * it), and the magnitude is split evenly, B' = X_k·(Σ_k/s')^½ and A' = (Σ_k/s')^½·Y_kᵀ, so both
 * factors have the same column norms and rounding to a narrow dtype hurts neither more. kohya's
 * alpha is written as an F32 scalar and s' recomputed from the stored value, so the factors
 * absorb its rounding; PEFT's α' is a JSON double.
 */
export function planTensors(
  adapter: Adapter,
  layout: OutputLayout,
  kept: readonly ResizableModule[],
  ranks: readonly number[],
  dtype: FloatDType,
  skipped: readonly SkippedModule[],
): WritePlan {
  const from = inputLayout(adapter.format);
  const tensors: PlannedTensor[] = [];
  const modules: WrittenModule[] = [];
  const notes: string[] = [];
  const metadata: Record<string, string> = {};
  const sameLayout = from === layout;
  kept.forEach((p, index) => {
    const k = ranks[index];
    const names = factorNames(p.module, from, layout);
    const s = Math.abs(p.module.scale) || 1;
    const alpha = layout === 'kohya' ? Math.fround(s * k) : s * k;
    const scale = alpha / k;
    const [m, n] = p.module.shape;
    const conv = p.module.kind === 'conv' && p.module.kernel ? p.module.kernel : null;
    const spatial = conv ? conv.reduce((a, b) => a * b, 1) : 1;
    const shapeA = conv ? [k, n / spatial, ...conv] : names.transposedA ? [n, k] : [k, n];
    const shapeB = conv ? [m, k, ...conv.map(() => 1)] : names.transposedB ? [k, m] : [m, k];
    tensors.push({ kind: 'factor', name: names.A, shape: shapeA, dtype, module: index, role: 'A', transposed: names.transposedA });
    tensors.push({ kind: 'factor', name: names.B, shape: shapeB, dtype, module: index, role: 'B', transposed: names.transposedB });
    if (names.alpha) tensors.push({ kind: 'alpha', name: names.alpha, shape: [], dtype: 'F32', value: alpha });
    modules.push({ names, kept: k, scale, alpha });
    const rankKey = cloneofsimoRankKey(names.A);
    if (rankKey !== null) metadata[rankKey] = String(k);
    const magnitude = p.module.magnitude ? adapter.header.byName.get(p.module.magnitude) : undefined;
    if (magnitude && sameLayout) {
      tensors.push(copyOf(magnitude));
      notes.push(`${p.module.name}: its DoRA magnitude vector is kept as trained, for the original ΔW; the truncated ΔW changes the column norms it was fitted to`);
    } else if (magnitude) notes.push(`${p.module.name}: its DoRA magnitude vector is left out (another layout's DoRA tensors are not converted)`);
    else if (p.module.tensors.magnitude)
      notes.push(`${p.module.name}: its DoRA magnitude vector ${p.module.tensors.magnitude} is left out: it does not fit the module (see its warning)`);
  });
  if (sameLayout) {
    for (const s of skipped) if (s.structured) for (const name of Object.values(s.module.tensors)) pushCopy(tensors, adapter, name);
    for (const t of adapter.otherTensors) pushCopy(tensors, adapter, t.name);
    if (adapter.otherTensors.length > 0) notes.push(`${adapter.otherTensors.length} tensor(s) that are not low-rank factors (modules_to_save, biases, …) are copied unchanged`);
  } else if (adapter.otherTensors.length > 0) {
    notes.push(`${adapter.otherTensors.length} tensor(s) that are not low-rank factors are left out: they belong to the input's layout`);
  }
  return { tensors, modules, notes, metadata };
}

function copyOf(info: TensorInfo): PlannedTensor {
  return { kind: 'copy', name: info.name, shape: info.shape, dtype: info.dtype, source: info };
}

function pushCopy(tensors: PlannedTensor[], adapter: Adapter, name: string): void {
  const info = adapter.header.byName.get(name);
  if (info && !tensors.some((t) => t.name === name)) tensors.push(copyOf(info));
}
