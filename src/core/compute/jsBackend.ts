import { throwIfCancelled, type CancellationToken } from '../cancellation';
import { cholesky, invertUpper } from '../linalg/cholesky';
import { gram } from '../linalg/gram';
import { householderR } from '../linalg/householder';
import { onePassSuffices } from '../linalg/onePassGram';
import type { Matrix } from '../linalg/matrix';
import { asColumnMajor64, type ComputeBackend, type FactorPair, type GroupOverlap, type MappedFactor, type PairOverlap, type TallFactor, type TallProduct } from './backend';
import { groupOverlapJs } from './groupOverlaps';
import { pairOverlapJs } from './pairOverlaps';
import { tallProductsJs } from './tallProducts';

/**
 * The pure TypeScript reference backend, in float64 on the calling thread. A factor's R comes
 * from one pass over it, R = chol(TᵀT), where its own condition estimate bounds the error that
 * adds to every σ of ΔW by ONE_PASS_TOLERANCE (onePassGram.ts: near-orthogonal factors after
 * column scaling, which random and freshly trained ones are); the Gram takes half the arithmetic
 * of Householder QR. Every other factor, and every factor with fewer rows than columns, takes
 * Householder QR, which is exact at any condition.
 */
export class JsBackend implements ComputeBackend {
  readonly name = 'js';
  readonly input = 'float64-wide';
  /** One module at a time: nothing to gain from batching, and buffers stay small. */
  readonly batchBytes = 0;
  /** Factors whose R came from one Gram pass, and those that took Householder QR. */
  readonly passes = { one: 0, householder: 0 };

  async triangularFactors(factors: readonly TallFactor[], token?: CancellationToken): Promise<Matrix[]> {
    const out: Matrix[] = [];
    for (const f of factors) {
      throwIfCancelled(token);
      const T = asColumnMajor64(f);
      const R = T.rows >= T.cols ? onePassR(T) : null;
      if (R) this.passes.one++;
      else this.passes.householder++;
      out.push(R ?? householderR(T));
    }
    return out;
  }

  async pairOverlaps(pairs: readonly FactorPair[], token?: CancellationToken): Promise<PairOverlap[]> {
    const out: PairOverlap[] = [];
    for (const pair of pairs) {
      throwIfCancelled(token);
      out.push(pairOverlapJs(pair));
    }
    return out;
  }

  async groupOverlaps(groups: readonly (readonly TallFactor[])[], token?: CancellationToken): Promise<GroupOverlap[]> {
    return groups.map((g) => groupOverlapJs(g, token));
  }

  tallProducts(products: readonly TallProduct[], token?: CancellationToken): Promise<MappedFactor[]> {
    return tallProductsJs(products, token);
  }

  async dispose(): Promise<void> {}
}

/** R = chol(TᵀT) when one pass is exact enough for T, else null (T is left untouched). */
function onePassR(T: Matrix): Matrix | null {
  const R = cholesky(gram(T));
  return R && onePassSuffices(R, invertUpper(R), T.rows) ? R : null;
}
