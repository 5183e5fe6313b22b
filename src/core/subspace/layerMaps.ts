import type { Matrix } from '../linalg/matrix';
import type { CrossLayerGroup } from './crossLayerGroup';
import { phiAt, randomPhi } from './phi';

/** Why a module that read well has no map: it is alone in its group. */
export function onlyOne(moduleType: string): string {
  return `the only ${moduleType} module of its shape`;
}

/** What the maps need of one module: its σ, ‖ΔW‖_F, numerical rank and trained r. */
export interface LayerEntry {
  readonly name: string;
  readonly shape: readonly [number, number];
  readonly sigma: Float64Array;
  readonly norm: number;
  readonly rank: number;
  readonly trained: number;
}

/**
 * The maps of one group from each module's σ and the overlaps of each pair i < j:
 * `overlaps(i, j)` gives [X_iᵀX_j, Y_iᵀY_j] (p_i×p_j, column-major).
 */
export function groupMaps(moduleType: string, entries: readonly LayerEntry[], overlaps: (i: number, j: number) => [Matrix, Matrix]): CrossLayerGroup {
  const L = entries.length;
  const [m, n] = entries[0].shape;
  const k = entries.reduce((least, e) => Math.min(least, e.trained, e.rank), Infinity);
  const column = new Float64Array(L * L);
  const row = new Float64Array(L * L);
  const cosine = new Float64Array(L * L);
  for (let i = 0; i < L; i++) {
    const a = entries[i];
    const zero = a.norm === 0;
    column[i * L + i] = row[i * L + i] = zero ? NaN : 1;
    cosine[i * L + i] = zero ? NaN : 1;
    for (let j = i + 1; j < L; j++) {
      const b = entries[j];
      const [C, D] = overlaps(i, j);
      column[j * L + i] = column[i * L + j] = phiAt(C, k);
      row[j * L + i] = row[i * L + j] = phiAt(D, k);
      let inner = 0;
      for (let q = 0; q < C.cols; q++) for (let p = 0; p < C.rows; p++) inner += a.sigma[p] * b.sigma[q] * C.data[q * C.rows + p] * D.data[q * C.rows + p];
      const c = a.norm > 0 && b.norm > 0 ? Math.max(-1, Math.min(1, inner / a.norm / b.norm)) : NaN;
      cosine[j * L + i] = cosine[i * L + j] = c;
    }
  }
  const square = (data: Float64Array): Matrix => ({ rows: L, cols: L, data });
  return {
    moduleType,
    shape: [m, n],
    layers: entries.map((e) => e.name),
    k,
    column: square(column),
    row: square(row),
    cosine: square(cosine),
    random: { column: randomPhi(k, k, m), row: randomPhi(k, k, n) },
  };
}
