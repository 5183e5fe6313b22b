/**
 * Row-major float64 products for the GL-net's small matrices (h×m by m×r, h×h, r×r). Plain
 * loops: the sizes are tens, where a kernel call would cost more than the arithmetic.
 */

/** C = A·B for A (p×q), B (q×s). */
export function matmul(A: Float64Array, B: Float64Array, p: number, q: number, s: number): Float64Array {
  const C = new Float64Array(p * s);
  for (let i = 0; i < p; i++)
    for (let k = 0; k < q; k++) {
      const a = A[i * q + k];
      if (a !== 0) for (let j = 0; j < s; j++) C[i * s + j] += a * B[k * s + j];
    }
  return C;
}

/** Aᵀ·B for A (q×p), B (q×s): p×s. */
export function matmulTn(A: Float64Array, B: Float64Array, q: number, p: number, s: number): Float64Array {
  const C = new Float64Array(p * s);
  for (let k = 0; k < q; k++)
    for (let i = 0; i < p; i++) {
      const a = A[k * p + i];
      if (a !== 0) for (let j = 0; j < s; j++) C[i * s + j] += a * B[k * s + j];
    }
  return C;
}

/** A·Bᵀ for A (p×q), B (s×q): p×s. */
export function matmulNt(A: Float64Array, B: Float64Array, p: number, q: number, s: number): Float64Array {
  const C = new Float64Array(p * s);
  for (let i = 0; i < p; i++)
    for (let j = 0; j < s; j++) {
      let t = 0;
      for (let k = 0; k < q; k++) t += A[i * q + k] * B[j * q + k];
      C[i * s + j] = t;
    }
  return C;
}
