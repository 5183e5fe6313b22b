/**
 * What the Predicted properties view shows: one card per predictor for the open adapter
 * (docs/design.md §6). Numbers come as the predictor produced them (float64); a metric that was
 * undefined in training (a constant fold) is NaN and the view writes n/a.
 */

/** Held-out metrics of a k-fold cross-validation: regression (R², Kendall τ) or classification (accuracy, AUC). */
export type MetricsPayload =
  { readonly kind: 'regression'; readonly r2: number; readonly kendallTau: number } | { readonly kind: 'classification'; readonly accuracy: number; readonly auc: number };

/** Where a predictor was found: the workspace's `.lora-lens/predictors/`, the `loraLens.predictors` setting, or loaded by hand. */
export type PredictorSource = 'workspace' | 'setting' | 'loaded';

/** A predictor as its manifest describes it. Every string is from a file: untrusted text. */
export interface PredictorInfo {
  /** The predictor folder: identifies it in requests. */
  readonly dir: string;
  readonly name: string;
  readonly version: string;
  readonly description: string;
  /** The model kind (ridge, logistic, mlp, glnet). */
  readonly model: string;
  readonly source: PredictorSource;
  /** Cross-validated metrics of the model and of the non-invariant raw-factor baseline; null without a training record. */
  readonly training: { readonly adapters: number; readonly folds: number; readonly cv: MetricsPayload; readonly baseline: MetricsPayload | null } | null;
}

/**
 * The prediction for the open adapter. `mismatch` (the adapter does not fit the predictor's
 * layout) and `failed` carry a reason and never a number.
 */
export type PredictionOutcome =
  | { readonly kind: 'pending' }
  | { readonly kind: 'regression'; readonly target: string; readonly value: number; readonly unit: string; readonly range: readonly [number, number] | null }
  /** `probabilities[i]` belongs to `labels[i]`; `label` is the most probable. */
  | { readonly kind: 'classification'; readonly target: string; readonly label: string; readonly labels: readonly string[]; readonly probabilities: Float64Array }
  | { readonly kind: 'mismatch'; readonly message: string }
  | { readonly kind: 'failed'; readonly message: string };

/** The result of "Check Predictor Invariance" for this predictor on this adapter, if one ran. */
export type InvarianceState =
  | { readonly kind: 'unchecked' }
  | { readonly kind: 'checking' }
  /** Largest relative change of the outputs over `trials` random GL(r) reparametrizations; `invariant` when ≤ `tolerance`. */
  | { readonly kind: 'checked'; readonly trials: number; readonly maxRelativeChange: number; readonly tolerance: number; readonly invariant: boolean }
  | { readonly kind: 'failed'; readonly message: string };

export interface PredictionCard {
  readonly predictor: PredictorInfo;
  /** The execution provider that ran it, and why not CUDA when it fell back; null before it ran. */
  readonly provider: { readonly name: string; readonly fallbackReason: string | null } | null;
  readonly outcome: PredictionOutcome;
  readonly invariance: InvarianceState;
}

/** A predictor folder that could not be read: shown as a warning, never thrown. */
export interface BrokenPredictor {
  readonly dir: string;
  readonly error: string;
}

export interface PredictionsPayload {
  /** `waiting`: the analysis has not finished (predictions need its module results). */
  readonly status: 'waiting' | 'running' | 'done';
  readonly cards: readonly PredictionCard[];
  readonly broken: readonly BrokenPredictor[];
  /** What is not listed and why (workspace predictors wait for Workspace Trust); absent when nothing is left out. */
  readonly notes?: readonly string[];
}
