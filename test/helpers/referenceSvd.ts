import { abs, add, dd, div, mul, sqrt, sub, toNumber, twoProd, type DD } from './doubleDouble';

/**
 * The reference the product's spectra are checked against: ΔW = s·B·M·A materialized exactly
 * from float64 factors (every product error-free, sums in double-double), then a dense
 * one-sided Jacobi SVD carried out entirely in double-double. Its singular values are correct
 * to ~1e-30·σ1, far below any tolerance the tests use, so the error measured is the product's.
 */

/** A dense row-major matrix of double-doubles. */
export interface DDMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: DD[];
}

/** Row-major float64 matrix. */
export interface Dense {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** X·Y in double-double, from double-double or float64 operands. */
export function ddMultiply(X: DDMatrix | Dense, Y: DDMatrix | Dense): DDMatrix {
  if (X.cols !== Y.rows) throw new Error('shape mismatch');
  const out: DD[] = [];
  for (let i = 0; i < X.rows; i++) {
    for (let j = 0; j < Y.cols; j++) {
      let acc = dd(0);
      for (let k = 0; k < X.cols; k++) acc = add(acc, product(X.data[i * X.cols + k], Y.data[k * Y.cols + j]));
      out.push(acc);
    }
  }
  return { rows: X.rows, cols: Y.cols, data: out };
}

function product(x: number | DD, y: number | DD): DD {
  if (typeof x === 'number' && typeof y === 'number') return twoProd(x, y);
  return mul(typeof x === 'number' ? dd(x) : x, typeof y === 'number' ? dd(y) : y);
}

/** s·B·M·A (M optional) materialized in double-double. */
export function materialize(s: number, B: Dense, A: Dense, M?: Dense): DDMatrix {
  const left = M ? ddMultiply(B, M) : ddMultiply(B, identityDense(B.cols));
  const W = ddMultiply(left, A);
  return { rows: W.rows, cols: W.cols, data: W.data.map((x) => mul(x, dd(s))) };
}

function identityDense(n: number): Dense {
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = 1;
  return { rows: n, cols: n, data };
}

/**
 * Singular values (descending, min(rows, cols) of them) by one-sided Jacobi in double-double:
 * columns of the (transposed if wide) matrix are rotated until pairwise orthogonal to ~1e-30.
 */
export function referenceSingularValues(W: DDMatrix): number[] {
  const wide = W.cols > W.rows;
  const m = wide ? W.cols : W.rows;
  const n = wide ? W.rows : W.cols;
  // Columns as arrays: g[j][i].
  const g: DD[][] = [];
  for (let j = 0; j < n; j++) {
    const col: DD[] = [];
    for (let i = 0; i < m; i++) col.push(wide ? W.data[j * W.cols + i] : W.data[i * W.cols + j]);
    g.push(col);
  }
  const tol = 1e-30;
  for (let sweep = 0; sweep < 100; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = dd(0);
        let beta = dd(0);
        let gamma = dd(0);
        for (let i = 0; i < m; i++) {
          alpha = add(alpha, mul(g[p][i], g[p][i]));
          beta = add(beta, mul(g[q][i], g[q][i]));
          gamma = add(gamma, mul(g[p][i], g[q][i]));
        }
        if (gamma.hi === 0 || Math.abs(gamma.hi) <= tol * Math.sqrt(alpha.hi * beta.hi)) continue;
        rotated = true;
        const zeta = div(sub(beta, alpha), mul(dd(2), gamma));
        const root = sqrt(add(dd(1), mul(zeta, zeta)));
        const t = div(dd(zeta.hi >= 0 ? 1 : -1), add(abs(zeta), root));
        const c = div(dd(1), sqrt(add(dd(1), mul(t, t))));
        const s = mul(c, t);
        for (let i = 0; i < m; i++) {
          const x = g[p][i];
          const y = g[q][i];
          g[p][i] = sub(mul(c, x), mul(s, y));
          g[q][i] = add(mul(s, x), mul(c, y));
        }
      }
    }
    if (!rotated) {
      const values = g.map((col) => toNumber(sqrt(col.reduce((acc, x) => add(acc, mul(x, x)), dd(0)))));
      return values.sort((a, b) => b - a);
    }
  }
  throw new Error('reference Jacobi did not converge');
}
