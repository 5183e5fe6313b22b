import type { DenseMatrixPayload } from '../../src/protocol/payloads';
import { valueAt } from './heatmapModel';

export interface MixerStats {
  readonly frobenius: number;
}

/**
 * Summary numbers of a matrix as shown. No distance from I is given: MoSLoRA initializes its
 * mixer at random (kaiming_uniform_), not at I, and M is only defined up to (R⁻¹·M·S), so ‖M − I‖
 * would measure the basis, not training.
 */
export function mixerStats(matrix: DenseMatrixPayload): MixerStats {
  let fro = 0;
  for (let i = 0; i < matrix.rows; i++) {
    for (let j = 0; j < matrix.cols; j++) {
      const v = valueAt(matrix, i, j);
      fro += v * v;
    }
  }
  return { frobenius: Math.sqrt(fro) };
}
