import type { Matrix } from './matrix';

/**
 * Rows of a block: 512 rows of up to 64 float64 columns is 256 KiB, so a block's columns stay
 * in L2 while every pair of them is multiplied.
 */
const BLOCK_ROWS = 512;

/**
 * G = TᵀT (r×r, symmetric, column-major, both triangles filled) of a d×r column-major float64
 * matrix: one pass over T, in row blocks, half the multiplications of the full product (only
 * j ≤ i is computed). Four columns of G are accumulated together so each value of column i is
 * loaded once per four products. Every entry is an inner product of length d summed in blocks of
 * BLOCK_ROWS: its error is within the γ̃_d of onePassGram.ts.
 */
export function gram(T: Matrix): Matrix {
  const { rows: d, cols: r, data: t } = T;
  const G = new Float64Array(r * r);
  for (let start = 0; start < d; start += BLOCK_ROWS) {
    const end = Math.min(d, start + BLOCK_ROWS);
    for (let i = 0; i < r; i++) {
      const ci = i * d;
      let j = 0;
      for (; j + 3 <= i; j += 4) {
        const c0 = j * d;
        const c1 = c0 + d;
        const c2 = c1 + d;
        const c3 = c2 + d;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let k = start; k < end; k++) {
          const x = t[ci + k];
          s0 += x * t[c0 + k];
          s1 += x * t[c1 + k];
          s2 += x * t[c2 + k];
          s3 += x * t[c3 + k];
        }
        G[i * r + j] += s0;
        G[i * r + j + 1] += s1;
        G[i * r + j + 2] += s2;
        G[i * r + j + 3] += s3;
      }
      for (; j <= i; j++) {
        const cj = j * d;
        let s = 0;
        for (let k = start; k < end; k++) s += t[ci + k] * t[cj + k];
        G[i * r + j] += s;
      }
    }
  }
  for (let i = 0; i < r; i++) for (let j = 0; j < i; j++) G[j * r + i] = G[i * r + j];
  return { rows: r, cols: r, data: G };
}
