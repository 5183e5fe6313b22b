import type { DenseMatrixPayload } from '../../src/protocol/payloads';

/**
 * The largest |value| off the diagonal of a square map, ignoring NaN: the colour scale that
 * shows how alike different layers are, when the diagonal's 1s (a layer against itself) would
 * otherwise make every other cell look blank. 0 for a map with nothing off the diagonal.
 */
export function offDiagonalMax(matrix: DenseMatrixPayload): number {
  let max = 0;
  for (let j = 0; j < matrix.cols; j++) {
    for (let i = 0; i < matrix.rows; i++) {
      const v = matrix.values[j * matrix.rows + i];
      if (i !== j && Number.isFinite(v)) max = Math.max(max, Math.abs(v));
    }
  }
  return max;
}
