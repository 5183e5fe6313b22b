import type { ModuleResult } from '../../../src/core/analysis/analyze';
import { crossValidate } from '../../../src/core/predict/predictor/crossValidate';
import { loadDataset } from '../../../src/core/predict/predictor/dataset';
import { randomGl } from '../../../src/core/predict/predictor/glReparam';
import { flattenFactors, reparametrizeAll, stackRows } from '../../../src/core/predict/predictor/rawFactors';
import { SeededRandom } from '../../../src/core/predict/zoo/random';

/** The zoo and target whose raw-factor baseline is scored. */
export interface BaselineZoo {
  readonly zoo: string;
  readonly labels: string;
  readonly target: string;
  readonly folds: number;
  readonly analyze: (path: string) => Promise<readonly ModuleResult[]>;
}

/**
 * The held-out Kendall τ of trainPredictor's raw-factor baseline on reparametrized adapters (ridge
 * on B and A flattened, held-out factors moved by R), once per training seed: the seed picks
 * the folds and R as trainPredictor does. One draw of folds and R on a zoo of a few dozen
 * adapters moves this τ by ~0.1 either way, so a comparison with it is a comparison with noise;
 * the mean over several draws is what the baseline scores.
 */
export async function reparametrizedBaselineTaus(options: BaselineZoo, seeds: readonly number[]): Promise<number[]> {
  const data = await loadDataset({ ...options, targetKind: 'numeric' });
  const rMax = data.factors.reduce((top, row) => row.reduce((a, f) => Math.max(a, f.r), top), 0);
  const raw = stackRows(data.factors.map((f) => flattenFactors(f, rMax)));
  return seeds.map((seed) => {
    // trainPredictor's own stream for R: SeededRandom(seed + 0x5eed).
    const rng = new SeededRandom(seed + 0x5eed);
    const moved = stackRows(
      data.factors.map((f) =>
        flattenFactors(
          reparametrizeAll(f, (r) => randomGl(r, rng)),
          rMax,
        ),
      ),
    );
    const cv = crossValidate('ridge', raw, data.target, options.folds, seed, 'identity', moved);
    if (cv.kind !== 'regression') throw new Error('regression metrics expected');
    return cv.kendallTau;
  });
}

/** The mean of a list. */
export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
