import { denseSvd } from '../linalg/denseSvd';
import { transposeMultiply, type Matrix } from '../linalg/matrix';

/** Principal angles between span(X1[:, :k]) and span(X2[:, :k]), largest cosine first. */
export interface PrincipalAngles {
  /** cos θ_i = σ_i(X1[:, :k]ᵀ·X2[:, :k]), descending, in [0, 1]. */
  readonly cosines: Float64Array;
  /** θ_i in degrees, ascending. */
  readonly degrees: Float64Array;
}

/** cos θ at or above this takes θ from its sine, below from its cosine (the better-conditioned). */
const SINE_BRANCH = Math.SQRT1_2;

/**
 * Principal angles (Björck & Golub 1973) between the spans of the first k columns of two
 * orthonormal bases of R^d (X1, X2 d×p, column-major, p ≥ k). The cosines are the singular
 * values of the k×k block X1ᵀX2, accurate to ~ε absolutely; an angle from acos of a cosine
 * near 1 would lose half its digits (θ = 1e-8 reads as 0), so for cos θ ≥ 1/√2 the angle is
 * asin of the matching singular value of (I − X1X1ᵀ)·X2, the sines, taken in ascending order.
 * Cost O(d·k²).
 */
export function principalAngles(X1: Matrix, X2: Matrix, k: number): PrincipalAngles {
  if (X1.rows !== X2.rows) throw new RangeError(`bases of R^${X1.rows} and R^${X2.rows}`);
  if (k > X1.cols || k > X2.cols) throw new RangeError(`k = ${k} exceeds the bases' ${X1.cols} and ${X2.cols} columns`);
  const d = X1.rows;
  if (k === 0) return { cosines: new Float64Array(0), degrees: new Float64Array(0) };
  const A = leading(X1, k);
  const B = leading(X2, k);
  const C = transposeMultiply(A, B);
  const cosines = denseSvd(C, false).values.map((c) => Math.min(1, c));
  // S = B − A·(AᵀB): the part of span(B) outside span(A); σ(S) = sin θ, ascending from the end.
  const S = B.data.slice();
  for (let j = 0; j < k; j++) {
    for (let l = 0; l < k; l++) {
      const c = C.data[j * k + l];
      if (c === 0) continue;
      for (let i = 0; i < d; i++) S[j * d + i] -= A.data[l * d + i] * c;
    }
  }
  const sines = denseSvd({ rows: d, cols: k, data: S }, false).values;
  const degrees = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const theta = cosines[i] >= SINE_BRANCH ? Math.asin(Math.min(1, sines[k - 1 - i])) : Math.acos(cosines[i]);
    degrees[i] = (theta * 180) / Math.PI;
  }
  return { cosines, degrees };
}

/** The first k columns (a copy; column-major makes them one contiguous run). */
export function leading(X: Matrix, k: number): Matrix {
  return { rows: X.rows, cols: k, data: X.data.slice(0, X.rows * k) };
}
