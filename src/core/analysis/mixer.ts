import type { AdaptedModule } from '../adapter/model';
import { denseSvd } from '../linalg/denseSvd';
import type { TensorSource } from '../container/source';
import { readStored } from './factors';

/** MoSLoRA's learned r×r mixer M as stored, with its singular values (docs/design.md §3: σ(M), cond(M)). */
export interface MixerAnalysis {
  readonly rows: number;
  readonly cols: number;
  /** M in canonical orientation, column-major. */
  readonly values: Float64Array;
  /** σ(M), descending. cond(M) = σ1/σ_r; a zero σ_r means M is singular and ΔW loses rank. */
  readonly singularValues: Float64Array;
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
  return { rows, cols, values: stored.data, singularValues: Float64Array.from(values) };
}
