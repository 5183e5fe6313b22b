import { subsetTarget, type CvMetrics, type Target } from '../crossValidate';
import { pickRows, type Rows } from '../dense';
import { crossValidateMany } from '../network/crossValidateNetwork';
import type { NetworkOptions } from '../network/networkOptions';
import { flattenFactors, stackRows, type ModuleFactors } from '../rawFactors';
import { glAugmentation } from './augmentation';
import { predictBaselineMlp, trainBaselineMlp, type EpochRows } from './baselineMlp';
import { svdCanonicalRow } from './svdCanonical';

/** The baseline networks, by name. */
export type BaselineName = 'mlp-flat' | 'mlp-augmented' | 'mlp-svd';

/** One baseline's CV: held-out adapters as stored, and reparametrized (the linear baseline's copies). */
export interface BaselineResult {
  readonly name: BaselineName;
  readonly description: string;
  readonly cv: CvMetrics;
  readonly cvReparametrized: CvMetrics;
}

/** What each baseline reads, in a few words (the train-predictor table's "sees" column). */
export const BASELINE_SEES: Readonly<Record<BaselineName, string>> = {
  'mlp-flat': 'flattened B, A',
  'mlp-augmented': 'flattened B, A; GL(r)-augmented',
  'mlp-svd': "ΔW's SVD factors, sign-fixed",
};

export interface BaselineData {
  /** Every adapter's modules as stored, layout order. */
  readonly factors: readonly (readonly ModuleFactors[])[];
  /** The same adapters reparametrized (B·R, R⁻¹·A) per module: what held-out rows are also scored on. */
  readonly moved: readonly (readonly ModuleFactors[])[];
  /** s per adapter and module (ΔW = s·B·A). */
  readonly scales: readonly (readonly number[])[];
  readonly rMax: number;
}

/**
 * The LoL paper's baselines (Putterman et al., "Learning on LoRAs"; official code moeputt/LoL,
 * diffusion/run_clip.py, model_type 2 "MLP" and 3 "MLP+SVD"), each an MLP of the size, epochs,
 * step size, weight decay and early stopping in `net`, cross-validated with the linear models'
 * folds (crossValidateMany with `seed`), each fold's model scored on the held-out adapters as
 * stored and as in `data.moved`:
 * - mlp-flat: flattenFactors (B and A entries, rank zero-padded), standardized;
 * - mlp-augmented: the same, trained with GL(r) augmentation (glAugmentation);
 * - mlp-svd: svdCanonicalRow (ΔW's singular bases, sign-fixed; see there for what it leaves free).
 */
export function runBaselines(data: BaselineData, target: Target, folds: number, net: NetworkOptions, seed: number): BaselineResult[] {
  const flat = stackRows(data.factors.map((f) => flattenFactors(f, data.rMax)));
  const flatMoved = stackRows(data.moved.map((f) => flattenFactors(f, data.rMax)));
  const canonical = stackRows(data.factors.map((f, a) => svdCanonicalRow(f, data.scales[a], data.rMax)));
  const canonicalMoved = stackRows(data.moved.map((f, a) => svdCanonicalRow(f, data.scales[a], data.rMax)));
  const size = `hidden ${net.hidden.join('×')}, tanh; Adam, at most ${net.epochs} full-batch epochs with early stopping, weight decay ${net.weightDecay}`;
  const score = (x: Rows, moved: Rows, augment?: (train: readonly number[], seed: number) => EpochRows) => {
    const [cv, cvReparametrized] = crossValidateMany(x.rows, target, folds, seed, (train, test, s) => {
      const model = trainBaselineMlp(pickRows(x, train), subsetTarget(target, train), { ...net, seed: s }, augment?.(train, s + 0xa06));
      return [predictBaselineMlp(model, pickRows(x, test)), predictBaselineMlp(model, pickRows(moved, test))];
    });
    return { cv, cvReparametrized };
  };
  return [
    {
      name: 'mlp-flat',
      description: `MLP (${size}) on raw factors B and A flattened per module (rank padded to ${data.rMax}), standardized; NOT invariant (LoL model_type 2)`,
      ...score(flat, flatMoved),
    },
    {
      name: 'mlp-augmented',
      description: `the same MLP trained with GL(r) augmentation: at every epoch each training adapter reparametrized (B R, R^-1 A) by a fresh random R per module; NOT invariant by construction`,
      ...score(flat, flatMoved, (train, s) => glAugmentation(data.factors, train, data.rMax, s)),
    },
    {
      name: 'mlp-svd',
      description: `the same MLP on SVD-canonical factors: per module U Σ^½ and Σ^½ Vᵀ of ΔW = s·B·A (largest-magnitude entry of each left singular vector positive, rank padded to ${data.rMax}); invariant up to the SVD's sign and degeneracy freedom`,
      ...score(canonical, canonicalMoved),
    },
  ];
}
