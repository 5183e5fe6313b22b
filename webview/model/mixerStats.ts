import type { DenseMatrixPayload } from '../../src/protocol/payloads';
import { valueAt } from './heatmapModel';

export interface MixerStats {
  readonly frobenius: number;
  /** ‖M − I‖_F / ‖I‖_F: how far MoSLoRA's mixer moved from plain LoRA's identity. */
  readonly distanceFromIdentity: number | null;
}

/** Summary numbers of a mixer; the distance from I exists only for a square matrix. */
export function mixerStats(matrix: DenseMatrixPayload): MixerStats {
  let fro = 0;
  let diff = 0;
  for (let i = 0; i < matrix.rows; i++) {
    for (let j = 0; j < matrix.cols; j++) {
      const v = valueAt(matrix, i, j);
      fro += v * v;
      const d = v - (i === j ? 1 : 0);
      diff += d * d;
    }
  }
  const square = matrix.rows === matrix.cols && matrix.rows > 0;
  return { frobenius: Math.sqrt(fro), distanceFromIdentity: square ? Math.sqrt(diff) / Math.sqrt(matrix.rows) : null };
}
