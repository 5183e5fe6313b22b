import type { CancellationToken } from '../cancellation';
import type { Matrix } from '../linalg/matrix';

/**
 * The heavy half of every spectrum: the triangular factor R of the thin QR of tall factors
 * (B = Q_B·R_B, Aᵀ = Q_A·R_A). Everything after it is r×r work done in float64 TypeScript.
 * The pure TypeScript backend computes R by Householder QR; an onnxruntime backend computes it
 * by CholeskyQR2 with its Gram products on the device. Both must give R to float64 accuracy.
 */
export interface ComputeBackend {
  /** Which backend and device ran, for reports (e.g. "js", "ort-cpu", "ort-cuda"). */
  readonly name: string;
  /**
   * R of each d×r column-major matrix: min(d, r)×r, upper trapezoidal. Inputs are owned by the
   * backend from the call on and may be overwritten.
   */
  triangularFactors(matrices: readonly Matrix[], token?: CancellationToken): Promise<Matrix[]>;
  dispose(): Promise<void>;
}
