import { throwIfCancelled, type CancellationToken } from '../cancellation';
import { householderR } from '../linalg/householder';
import type { Matrix } from '../linalg/matrix';
import { asColumnMajor64, type ComputeBackend, type FactorPair, type GroupOverlap, type MappedFactor, type PairOverlap, type TallFactor, type TallProduct } from './backend';
import { groupOverlapJs } from './groupOverlaps';
import { pairOverlapJs } from './pairOverlaps';
import { tallProductsJs } from './tallProducts';

/** The pure TypeScript reference backend: Householder QR in float64 on the calling thread. */
export class JsBackend implements ComputeBackend {
  readonly name = 'js';
  readonly input = 'float64-wide';
  /** One module at a time: nothing to gain from batching, and buffers stay small. */
  readonly batchBytes = 0;

  async triangularFactors(factors: readonly TallFactor[], token?: CancellationToken): Promise<Matrix[]> {
    const out: Matrix[] = [];
    for (const f of factors) {
      throwIfCancelled(token);
      out.push(householderR(asColumnMajor64(f)));
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
