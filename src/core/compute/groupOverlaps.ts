import { throwIfCancelled, type CancellationToken } from '../cancellation';
import { householderQR } from '../linalg/householder';
import type { Matrix } from '../linalg/matrix';
import { asColumnMajor64, type GroupOverlap, type TallFactor } from './backend';

/**
 * The reference kernel of ComputeBackend.groupOverlaps, in float64 TypeScript: Householder QR of
 * every factor with Q formed explicitly (a zero or rank-deficient factor gets an orthonormal
 * completion, as basisOf gives it), then the blocks Q_iᵀQ_j of the upper triangle by dot
 * products, mirrored. Cost O(L·d·r² + L²·d·r²/2) for L factors of d×r. Device backends fall
 * back to it for groups they cannot stack. The factors are not modified.
 */
export function groupOverlapJs(factors: readonly TallFactor[], token?: CancellationToken): GroupOverlap {
  const d = factors[0]?.rows ?? 0;
  const qrs = factors.map((f) => {
    if (f.rows !== d) throw new RangeError(`factors of heights ${d} and ${f.rows} in one group`);
    throwIfCancelled(token);
    return householderQR(asColumnMajor64(f));
  });
  return {
    R: qrs.map((q) => q.R),
    cross: stackedGram(
      qrs.map((q) => q.Q),
      token,
    ),
  };
}

/** Where block i starts in a GroupOverlap's cross: the sum of the preceding R's row counts. */
export function groupOffsets(R: readonly Matrix[]): number[] {
  const out = [0];
  for (const r of R) out.push(out[out.length - 1] + r.rows);
  return out;
}

/** Block (i, j) of a GroupOverlap, Q_iᵀQ_j (q_i×q_j, column-major, a copy). */
export function groupBlock(overlap: GroupOverlap, offsets: readonly number[], i: number, j: number): Matrix {
  const [r0, rows, c0, cols] = [offsets[i], offsets[i + 1] - offsets[i], offsets[j], offsets[j + 1] - offsets[j]];
  const S = overlap.cross.rows;
  const data = new Float64Array(rows * cols);
  for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) data[c * rows + r] = overlap.cross.data[(c0 + c) * S + r0 + r];
  return { rows, cols, data };
}

/**
 * The Gram of [Q_1 … Q_L] (explicit column-major d×q_i bases): the upper blocks by dot
 * products, the lower ones mirrored, so the result is exactly symmetric.
 */
function stackedGram(Qs: readonly Matrix[], token?: CancellationToken): Matrix {
  const offsets = [0];
  for (const Q of Qs) offsets.push(offsets[offsets.length - 1] + Q.cols);
  const S = offsets[offsets.length - 1];
  const data = new Float64Array(S * S);
  Qs.forEach((A, i) => {
    throwIfCancelled(token);
    const d = A.rows;
    for (let j = i; j < Qs.length; j++) {
      const B = Qs[j];
      for (let q = 0; q < B.cols; q++) {
        for (let p = 0; p < A.cols; p++) {
          let s = 0;
          for (let t = 0; t < d; t++) s += A.data[p * d + t] * B.data[q * d + t];
          const [row, col] = [offsets[i] + p, offsets[j] + q];
          data[col * S + row] = s;
          data[row * S + col] = s;
        }
      }
    }
  });
  return { rows: S, cols: S, data };
}
