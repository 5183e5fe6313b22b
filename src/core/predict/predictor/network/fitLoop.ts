import { SeededRandom } from '../../zoo/random';
import { Adam } from './adam';

/** The training objective at `params` and its gradient (same flat layout). */
export type Objective = (params: Float64Array, epoch: number) => { readonly loss: number; readonly grad: Float64Array };

export interface FitLoopOptions {
  /** The most full-batch Adam steps. */
  readonly epochs: number;
  readonly learningRate: number;
  /**
   * Held-out loss at `params` (the validation split's mean loss, no penalty). When given, the
   * parameters with the lowest value are kept, and the loop stops after `patience` steps
   * without a new lowest value.
   */
  readonly validation?: (params: Float64Array) => number;
  readonly patience?: number;
}

export interface FitLoopResult {
  /** Steps taken. */
  readonly epochs: number;
  /** The step whose parameters were kept (epochs when no validation). */
  readonly bestEpoch: number;
  /** The objective on the training rows at the last step (before its update). */
  readonly finalLoss: number;
  /** The kept parameters' validation loss (NaN when no validation). */
  readonly validationLoss: number;
}

/** Steps without a new lowest validation loss before the loop stops, when not set. */
export const DEFAULT_PATIENCE = 100;

/**
 * Full-batch Adam on `objective`, in place on `params`. With a validation function: evaluated
 * before each step; the parameters with the lowest held-out loss are restored at the end (early
 * stopping). Deterministic: no randomness of its own.
 */
export function fitLoop(params: Float64Array, objective: Objective, options: FitLoopOptions): FitLoopResult {
  const adam = new Adam(params.length, options.learningRate);
  const patience = options.patience ?? DEFAULT_PATIENCE;
  let best = params.slice();
  let bestLoss = Infinity;
  let bestEpoch = 0;
  let finalLoss = NaN;
  let epoch = 0;
  for (; epoch < options.epochs; epoch++) {
    if (options.validation) {
      const v = options.validation(params);
      if (v < bestLoss) {
        bestLoss = v;
        bestEpoch = epoch;
        best = params.slice();
      } else if (epoch - bestEpoch >= patience) break;
    }
    const { loss, grad } = objective(params, epoch);
    finalLoss = loss;
    adam.step(params, grad);
  }
  if (!options.validation) return { epochs: epoch, bestEpoch: epoch, finalLoss, validationLoss: NaN };
  const last = options.validation(params);
  if (last < bestLoss) return { epochs: epoch, bestEpoch: epoch, finalLoss, validationLoss: last };
  params.set(best);
  return { epochs: epoch, bestEpoch, finalLoss, validationLoss: bestLoss };
}

/** Fewest training rows for which a validation split is made; below it every row trains. */
export const MIN_ROWS_FOR_VALIDATION = 10;
/** The share of the training rows held out for early stopping. */
export const VALIDATION_FRACTION = 0.2;

/**
 * Splits row indices 0…n−1 into fitting and validation rows (seeded; stratified by sorting on
 * `strata` when given, every fifth row of each stratum's order held out, at a seeded offset).
 * Below MIN_ROWS_FOR_VALIDATION rows, no validation rows.
 */
export function validationSplit(n: number, seed: number, strata?: ArrayLike<number>): { readonly fit: number[]; readonly validation: number[] } {
  const all = Array.from({ length: n }, (_, i) => i);
  if (n < MIN_ROWS_FOR_VALIDATION) return { fit: all, validation: [] };
  const rng = new SeededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [all[i], all[j]] = [all[j], all[i]];
  }
  if (strata) all.sort((a, b) => Number(strata[a]) - Number(strata[b]) || 0);
  const every = Math.round(1 / VALIDATION_FRACTION);
  const offset = rng.int(0, every - 1);
  const fit: number[] = [];
  const validation: number[] = [];
  all.forEach((row, k) => ((k + offset) % every === 0 ? validation : fit).push(row));
  return { fit: fit.sort((a, b) => a - b), validation: validation.sort((a, b) => a - b) };
}
