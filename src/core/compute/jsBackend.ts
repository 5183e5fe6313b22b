import { throwIfCancelled, type CancellationToken } from '../cancellation';
import { householderR } from '../linalg/householder';
import type { Matrix } from '../linalg/matrix';
import type { ComputeBackend } from './backend';

/** The pure TypeScript reference backend: Householder QR in float64 on the calling thread. */
export class JsBackend implements ComputeBackend {
  readonly name = 'js';

  async triangularFactors(matrices: readonly Matrix[], token?: CancellationToken): Promise<Matrix[]> {
    const out: Matrix[] = [];
    for (const m of matrices) {
      throwIfCancelled(token);
      out.push(householderR(m));
    }
    return out;
  }

  async dispose(): Promise<void> {}
}
