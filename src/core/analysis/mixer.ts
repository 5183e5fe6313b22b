import type { AdaptedModule } from '../adapter/model';
import { denseSvd } from '../linalg/denseSvd';
import type { TensorSource } from '../container/source';
import { readStored } from './factors';
import { mixerInitComparison, type MixerInitComparison } from './mixerInit';

/**
 * MoSLoRA's learned r×r mixer M as stored, with its singular values. M is not identifiable:
 * (B·R, R⁻¹·M·S, S⁻¹·A) gives the same ΔW for any invertible R, S, so σ(M) and cond(M) depend on
 * the basis training happened to leave B and A in. They are shown as stored facts only; ΔW's
 * spectrum is the invariant (docs/design.md §3).
 */
export interface MixerAnalysis {
  readonly rows: number;
  readonly cols: number;
  /** M in canonical orientation, column-major. */
  readonly values: Float64Array;
  /** σ(M), descending (basis-dependent). */
  readonly singularValues: Float64Array;
  /** Where the stored M stands against the distribution MoSLoRA draws it from at initialization. */
  readonly init: MixerInitComparison;
}

/**
 * Reads a module's mixer M and its singular values (an r×r Jacobi SVD, exact to rounding for
 * these sizes); null when the module has none.
 */
export async function mixerOf(file: TensorSource, module: AdaptedModule): Promise<MixerAnalysis | null> {
  const ref = module.factors?.type === 'lowRank' ? module.factors.mixer : undefined;
  if (!ref) return null;
  // Column-major of the stored matrix is M; of a transposed-stored one, row-major is.
  const stored = await readStored(file, ref, !ref.transposed);
  const [rows, cols] = ref.transposed ? [stored.cols, stored.rows] : [stored.rows, stored.cols];
  // The SVD works in place: it gets a copy, so `values` stays M.
  const { values } = denseSvd({ rows, cols, data: stored.data.slice() }, false);
  return { rows, cols, values: stored.data, singularValues: Float64Array.from(values), init: mixerInitComparison(stored.data, cols) };
}
