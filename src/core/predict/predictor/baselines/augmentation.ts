import { SeededRandom } from '../../zoo/random';
import { stackRows, flattenFactors, reparametrizeAll, type ModuleFactors } from '../rawFactors';
import { randomGl } from '../glReparam';
import type { EpochRows } from './baselineMlp';

/**
 * GL(r) data augmentation for the flattened-factor MLP: at every step each training adapter is
 * fed as (B·R, R⁻¹·A) with a fresh R = randomGl(r) per module (cond(R) ≤ 4, as the held-out
 * reparametrizations), flattened as flattenFactors does. The model sees many gauges of every
 * adapter and can only fit the target through what they share, ΔW; it is still not invariant
 * by construction, only trained towards it. `train` maps the fit's row indices (into the
 * training rows) to adapters; seeded, so a fold's training is reproducible.
 */
export function glAugmentation(factors: readonly (readonly ModuleFactors[])[], train: readonly number[], rMax: number, seed: number): EpochRows {
  const rng = new SeededRandom(seed);
  return (_epoch, fit) =>
    stackRows(
      fit.map((i) =>
        flattenFactors(
          reparametrizeAll(factors[train[i]], (r) => randomGl(r, rng)),
          rMax,
        ),
      ),
    );
}
