import type { HouseholderFactors } from './householder';
import type { Matrix } from './matrix';
import { makeReflector, reflectColumn } from './reflectors';
import { columnNorm } from './svd';

/** Householder QR with column pivoting: a·P = Q·R, P given as `perm` (column j of a·P is a's column perm[j]). */
export interface PivotedQr extends HouseholderFactors {
  readonly perm: Int32Array;
}

/**
 * QR with column pivoting (Businger–Golub) of a small dense d×n matrix, in place: at
 * each step the remaining column of largest norm is moved forward, so |R_00| ≥ |R_11| ≥ … and
 * R's rows are graded. That is the preconditioner of denseSvd (Drmač & Veselić 2008): Jacobi on
 * Rᵀ then converges in a few sweeps. Column norms are downdated with LAPACK's safeguard (dlaqp2:
 * recomputed once the downdate has cancelled more than √ε of them). Like plain Householder QR it
 * is backward stable column by column. For the tall-skinny LoRA factors use householderFactor.
 * k = min(d, n) reflectors; R is k×n upper trapezoidal (d < n is allowed).
 */
export function pivotedQr(m: Matrix): PivotedQr {
  const { rows: d, cols: n, data: a } = m;
  const steps = Math.min(d, n);
  const tau = new Float64Array(steps);
  const perm = Int32Array.from({ length: n }, (_, j) => j);
  const partial = new Float64Array(n);
  const reference = new Float64Array(n);
  for (let j = 0; j < n; j++) partial[j] = reference[j] = columnNorm(a, j * d, d);
  const threshold = Math.sqrt(Number.EPSILON);
  for (let k = 0; k < steps; k++) {
    let best = k;
    for (let j = k + 1; j < n; j++) if (partial[j] > partial[best]) best = j;
    if (best !== k) {
      for (let i = 0; i < d; i++) {
        const t = a[k * d + i];
        a[k * d + i] = a[best * d + i];
        a[best * d + i] = t;
      }
      [perm[k], perm[best]] = [perm[best], perm[k]];
      partial[best] = partial[k];
      reference[best] = reference[k];
    }
    const t = makeReflector(a, d, k);
    tau[k] = t;
    for (let j = k + 1; j < n; j++) {
      if (t !== 0) reflectColumn(a, d, k, t, j * d);
      if (partial[j] === 0) continue;
      const ratio = Math.abs(a[j * d + k]) / partial[j];
      const left = Math.max(0, (1 + ratio) * (1 - ratio));
      if (left * (partial[j] / reference[j]) ** 2 <= threshold) {
        partial[j] = reference[j] = columnNorm(a, j * d + k + 1, d - k - 1);
      } else {
        partial[j] *= Math.sqrt(left);
      }
    }
  }
  return { rows: d, cols: n, data: a, tau, perm };
}
