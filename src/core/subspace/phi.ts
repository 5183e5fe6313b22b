import type { Matrix } from '../linalg/matrix';

/**
 * The LoRA paper's subspace similarity (Hu et al. 2021, §7.2) for every pair of leading
 * blocks: φ(i, j) = ‖X1[:, :i]ᵀ·X2[:, :j]‖_F² / min(i, j), in [0, 1] (1 when the smaller span
 * lies in the larger). `overlap` is X1ᵀX2 (p1×p2, column-major); the result is p1×p2,
 * column-major, entry (i−1, j−1) holding φ(i, j), from 2-D prefix sums of the squared overlap.
 */
export function phiGrid(overlap: Matrix): Matrix {
  const { rows: p1, cols: p2, data: c } = overlap;
  const prefix = new Float64Array(p1 * p2);
  for (let j = 0; j < p2; j++) {
    let column = 0;
    for (let i = 0; i < p1; i++) {
      column += c[j * p1 + i] ** 2;
      prefix[j * p1 + i] = column + (j > 0 ? prefix[(j - 1) * p1 + i] : 0);
    }
  }
  const out = new Float64Array(p1 * p2);
  for (let j = 0; j < p2; j++) for (let i = 0; i < p1; i++) out[j * p1 + i] = Math.min(1, prefix[j * p1 + i] / Math.min(i + 1, j + 1));
  return { rows: p1, cols: p2, data: out };
}

/** φ(k, k) from the overlap X1ᵀX2: ‖X1[:, :k]ᵀ·X2[:, :k]‖_F² / k. */
export function phiAt(overlap: Matrix, k: number): number {
  if (k === 0) return 0;
  let s = 0;
  for (let j = 0; j < k; j++) for (let i = 0; i < k; i++) s += overlap.data[j * overlap.rows + i] ** 2;
  return Math.min(1, s / k);
}

/**
 * E[φ(i, j)] for independent uniformly random subspaces of dimensions i and j in R^d:
 * E‖P1·X2‖_F² = Σ over X2's j columns of E‖P1·x‖² = j·i/d (a uniform unit vector keeps i/d of
 * its squared length in a fixed i-dimensional subspace), so E[φ] = i·j/(d·min(i, j)) =
 * max(i, j)/d; k/d for i = j = k. The chance level for the cross-layer maps.
 */
export function randomPhi(i: number, j: number, d: number): number {
  return Math.min(1, Math.max(i, j) / d);
}
