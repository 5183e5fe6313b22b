import { denseSvd } from '../linalg/denseSvd';
import { multiply, transposeMultiply, type Matrix } from '../linalg/matrix';
import type { BasisOverlap } from '../linalg/overlap';

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
  return { cosines, degrees: degreesOf(cosines, sines) };
}

/**
 * principalAngles for X1 = Q1·U1 and X2 = Q2·U2 given only the overlap of Q1 and Q2
 * (overlapOf): U1 (q1×p1) and U2 (q2×p2) with orthonormal columns, p ≥ k. With
 * Q2 = Q1·C + Q_Z·R_Z, X2[:, :k] = Q1·(C·U2k) + Q_Z·(R_Z·U2k), so the part of span(X2[:, :k])
 * outside span(X1[:, :k]) is [Q1 Q_Z]·[C·U2k − U1k·(U1kᵀ·C·U2k); R_Z·U2k], and its singular
 * values (the sines) are those of that (q1 + q2)×k block: the same quantities as
 * principalAngles, at O(r³) cost and ~ε absolute accuracy, with nothing d-sized.
 */
export function overlapAngles(U1: Matrix, U2: Matrix, overlap: BasisOverlap, k: number): PrincipalAngles {
  if (k > U1.cols || k > U2.cols) throw new RangeError(`k = ${k} exceeds the bases' ${U1.cols} and ${U2.cols} columns`);
  if (k === 0) return { cosines: new Float64Array(0), degrees: new Float64Array(0) };
  const [A, B] = [leading(U1, k), leading(U2, k)];
  const a = multiply(overlap.cross, B);
  const C = transposeMultiply(A, a);
  const cosines = denseSvd(C, false).values.map((c) => Math.min(1, c));
  // The sines are only read for angles below 45°: subspaces well apart need no more.
  if (!(cosines[0] >= SINE_BRANCH)) return { cosines, degrees: degreesOf(cosines, new Float64Array(k)) };
  const q1 = a.rows;
  const below = multiply(overlap.residual, B);
  const z = below.rows;
  const S = new Float64Array((q1 + z) * k);
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < q1; i++) {
      let s = a.data[j * q1 + i];
      for (let l = 0; l < k; l++) s -= A.data[l * q1 + i] * C.data[j * k + l];
      S[j * (q1 + z) + i] = s;
    }
    for (let i = 0; i < z; i++) S[j * (q1 + z) + q1 + i] = below.data[j * z + i];
  }
  const sines = denseSvd({ rows: q1 + z, cols: k, data: S }, false).values;
  return { cosines, degrees: degreesOf(cosines, sines) };
}

/** θ from the cosine or, at or above SINE_BRANCH, from the matching sine (ascending from the end). */
function degreesOf(cosines: Float64Array, sines: Float64Array): Float64Array {
  const k = cosines.length;
  const degrees = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const theta = cosines[i] >= SINE_BRANCH ? Math.asin(Math.min(1, sines[k - 1 - i])) : Math.acos(cosines[i]);
    degrees[i] = (theta * 180) / Math.PI;
  }
  return degrees;
}

/** The first k columns (a copy; column-major makes them one contiguous run). */
export function leading(X: Matrix, k: number): Matrix {
  return { rows: X.rows, cols: k, data: X.data.slice(0, X.rows * k) };
}
