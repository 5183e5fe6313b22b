import { householderQR } from '../../../src/core/linalg/householder';
import type { Matrix } from '../../../src/core/linalg/matrix';
import type { SubspaceBasis } from '../../../src/core/subspace/bases';
import { basisOf } from '../../../src/core/subspace/bases';
import { gaussian, inverse, multiplyDense, toColumnMajor } from '../../helpers/factors';
import type { Rng } from '../../helpers/random';
import type { Dense } from '../../helpers/referenceSvd';

/** Inputs for the subspace tests: modules with planted singular vectors, and GL reparametrizations. */

/** A d×k matrix with orthonormal columns (column-major), Haar-like from a Gaussian's QR. */
export function orthonormal(rng: Rng, d: number, k: number): Matrix {
  const g = gaussian(rng, d, k);
  return householderQR(toColumnMajor(g)).Q;
}

/** Row-major copy of a column-major matrix. */
export function toRowMajor(X: Matrix): Dense {
  const data = new Float64Array(X.rows * X.cols);
  for (let j = 0; j < X.cols; j++) for (let i = 0; i < X.rows; i++) data[i * X.cols + j] = X.data[j * X.rows + i];
  return { rows: X.rows, cols: X.cols, data };
}

/** Columns [from, to) of a column-major matrix. */
export function columns(X: Matrix, from: number, to: number): Matrix {
  if (to > X.cols) throw new RangeError(`columns ${from}..${to} of a matrix with ${X.cols}`);
  return { rows: X.rows, cols: to - from, data: X.data.slice(from * X.rows, to * X.rows) };
}

/** X1·diag(c) + X2·diag(s), column by column (the planted rotation between subspaces). */
export function rotateTowards(X1: Matrix, X2: Matrix, theta: ArrayLike<number>): Matrix {
  const data = new Float64Array(X1.data.length);
  for (let j = 0; j < X1.cols; j++) {
    const [c, s] = [Math.cos(theta[j]), Math.sin(theta[j])];
    for (let i = 0; i < X1.rows; i++) data[j * X1.rows + i] = c * X1.data[j * X1.rows + i] + s * X2.data[j * X1.rows + i];
  }
  return { rows: X1.rows, cols: X1.cols, data };
}

/** Raw factors of one module, row-major as files store them: ΔW = s·B·M·A. */
export interface RawModule {
  readonly s: number;
  readonly B: Dense;
  readonly A: Dense;
  readonly M?: Dense;
}

/**
 * ΔW = X·diag(σ)·Yᵀ (X m×r, Y n×r orthonormal) as raw factors: B = X·diag(σ)·R/s, A = R⁻¹·Yᵀ
 * for a random well-conditioned R, so nothing about the factors is orthonormal.
 */
export function moduleFromBasis(rng: Rng, X: Matrix, sigma: ArrayLike<number>, Y: Matrix, s = 1): RawModule {
  const r = X.cols;
  const XS = toRowMajor(X);
  for (let i = 0; i < XS.rows; i++) for (let j = 0; j < r; j++) XS.data[i * r + j] *= sigma[j] / s;
  return reparametrize(rng, { s, B: XS, A: transposeRows(Y) });
}

function transposeRows(Y: Matrix): Dense {
  // Yᵀ row-major has Y's columns as its rows: the column-major data of Y as it is.
  return { rows: Y.cols, cols: Y.rows, data: Y.data.slice() };
}

/**
 * A random R = 10^u·Q1·diag(d)·Q2ᵀ with u ∈ [−3, 3], d ∈ [0.3, 3] (κ(R) ≤ 10): well conditioned
 * after its global scale, which is wild on purpose.
 */
export function randomGl(rng: Rng, r: number): Dense {
  const Q1 = toRowMajor(orthonormal(rng, r, r));
  const Q2 = toRowMajor(orthonormal(rng, r, r));
  const scale = 10 ** (6 * rng.next() - 3);
  const d = Float64Array.from({ length: r }, () => scale * (0.3 + 2.7 * rng.next()));
  for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) Q1.data[i * r + j] *= d[j];
  return multiplyDense(Q1, { rows: r, cols: r, data: transposeData(Q2) });
}

function transposeData(X: Dense): Float64Array {
  const out = new Float64Array(X.data.length);
  for (let i = 0; i < X.rows; i++) for (let j = 0; j < X.cols; j++) out[j * X.rows + i] = X.data[i * X.cols + j];
  return out;
}

/**
 * The same ΔW, other factors: (B, M, A) → (B·R, R⁻¹·M·S, S⁻¹·A) with M (identity when absent)
 * and S a second random element when there is a mixer.
 */
export function reparametrize(rng: Rng, f: RawModule): RawModule {
  const r = f.B.cols;
  const R = randomGl(rng, r);
  const B = multiplyDense(f.B, R);
  if (!f.M) return { s: f.s, B, A: multiplyDense(inverse(R), f.A) };
  const S = randomGl(rng, r);
  return { s: f.s, B, M: multiplyDense(multiplyDense(inverse(R), f.M), S), A: multiplyDense(inverse(S), f.A) };
}

/** The basis of raw factors, through the product's route. */
export function basisOfRaw(f: RawModule): SubspaceBasis {
  const At: Matrix = { rows: f.A.cols, cols: f.A.rows, data: f.A.data.slice() };
  return basisOf(toColumnMajor(f.B), At, f.M ? toColumnMajor(f.M) : undefined, f.s);
}
