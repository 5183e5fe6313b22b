import type { AdaptedModule } from '../adapter/model';
import { isModuleNumericFailure } from '../analysis/factorErrors';
import { readLowRank, type LowRankData } from '../analysis/factors';
import type { Workspace } from '../analysis/workspace';
import type { FactorInput, FactorPair, PairOverlap } from '../compute/backend';
import type { TensorSource } from '../container/source';
import { coreBasis } from './bases';
import { compareCores, type BasisComparison, type CompareBasesOptions } from './similarity';

/** A module's low-rank factors as read for a comparison, with its scale and shape. */
export interface ComparedSide {
  readonly data: LowRankData;
  readonly scale: number;
  readonly shape: readonly [number, number];
}

/**
 * Reads a module's factors in the backend's form, or returns why it cannot be compared (never
 * thrown): only low-rank factors (LoRA, DoRA's low-rank part, MoSLoRA, AdaLoRA, kohya LoCon incl.
 * Tucker) are supported; LoHa and LoKr are reported as not supported, broken data (NaN, a missing
 * tensor) by its reason. The same reasons as readBasis.
 */
export async function readSide(file: TensorSource, module: AdaptedModule, input: FactorInput, workspace: Workspace): Promise<ComparedSide | { readonly reason: string }> {
  const f = module.factors;
  if (!f) return { reason: module.warnings.join('; ') || 'factors missing' };
  if (f.type !== 'lowRank') return { reason: `${f.type === 'hadamard' ? 'LoHa' : 'LoKr'} factors: not supported for subspace comparison` };
  try {
    const data = await readLowRank(file, f, input, workspace);
    if (data.B.cols !== data.At.cols) return { reason: `B is ${data.B.rows}×${data.B.cols} but Aᵀ is ${data.At.rows}×${data.At.cols}` };
    return { data, scale: module.scale, shape: [data.B.rows, data.At.rows] };
  } catch (error) {
    if (isModuleNumericFailure(error)) return { reason: error.message };
    throw error;
  }
}

/** The two factor pairs a module comparison sends to the backend: [B1, B2] and [A1ᵀ, A2ᵀ]. */
export function factorPairs(a: ComparedSide, b: ComparedSide): [FactorPair, FactorPair] {
  return [
    { first: a.data.B, second: b.data.B },
    { first: a.data.At, second: b.data.At },
  ];
}

/**
 * The comparison of two modules from the backend's overlaps of their column and row bases
 * (docs/design.md §4 and §8): each core's SVD (coreBasis) and the r-sized rest (compareCores).
 */
export function finishPair(a: ComparedSide, b: ComparedSide, columns: PairOverlap, rows: PairOverlap, options: CompareBasesOptions): BasisComparison {
  const c1 = coreBasis(columns.R1, rows.R1, a.data.M, a.scale, a.shape);
  const c2 = coreBasis(columns.R2, rows.R2, b.data.M, b.scale, b.shape);
  const k = options.k === undefined ? undefined : Math.min(options.k, c1.sigma.length, c2.sigma.length);
  return compareCores(c1, c2, columns, rows, { ...(k === undefined ? {} : { k }), ...(options.grid ? { grid: true } : {}) });
}
