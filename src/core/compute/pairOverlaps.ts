import { householderQR } from '../linalg/householder';
import { overlapOf } from '../linalg/overlap';
import { asColumnMajor64, type FactorPair, type PairOverlap } from './backend';

/**
 * The reference kernel of ComputeBackend.pairOverlaps, in float64 TypeScript: Householder QR of
 * both factors with Q formed explicitly, then C = Q1ᵀQ2, Z = Q2 − Q1·C and R_Z by Householder
 * (overlapOf). Column-wise backward stable whatever the factors' conditioning or rank (a zero or
 * rank-deficient factor gets an orthonormal completion of its Q, as basisOf does), so device
 * backends fall back to it. Cost O(d·r²) per pair. The factors are not modified.
 */
export function pairOverlapJs(pair: FactorPair): PairOverlap {
  if (pair.first.rows !== pair.second.rows) throw new RangeError(`factors of heights ${pair.first.rows} and ${pair.second.rows}`);
  const first = householderQR(asColumnMajor64(pair.first));
  const second = householderQR(asColumnMajor64(pair.second));
  return { R1: first.R, R2: second.R, ...overlapOf(first.Q, second.Q) };
}
