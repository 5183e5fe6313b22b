import type { FeatureErrorCode } from '../../core/predict/errors';
import type { Prediction } from '../../core/predict/predictor/predictAdapter';
import type { PredictorManifest } from '../../core/predict/predictor/manifest';
import type { InvarianceState, MetricsPayload, PredictionCard, PredictionOutcome, PredictorInfo, PredictorSource } from '../../protocol/predictPayloads';

/** A readable predictor: where it was found and its validated manifest. */
export interface PredictorEntry {
  readonly dir: string;
  readonly source: PredictorSource;
  readonly manifest: PredictorManifest;
}

/** Where one predictor's run on one adapter stands. */
export type RunState = { readonly kind: 'pending' } | { readonly kind: 'done'; readonly prediction: Prediction } | { readonly kind: 'error'; readonly error: unknown };

export interface ProviderInfo {
  readonly name: string;
  readonly fallbackReason?: string;
}

/**
 * Error codes that mean "this adapter does not fit this predictor" (other modules, other
 * shapes, a module the analysis could not use) rather than a fault of the predictor or the run.
 */
const MISMATCH_CODES: ReadonlySet<string> = new Set<FeatureErrorCode>(['LAYOUT_MISMATCH', 'MODULE_NOT_ANALYSED']);

/** One card of the Predicted properties view. */
export function cardOf(entry: PredictorEntry, provider: ProviderInfo | null, run: RunState, invariance: InvarianceState): PredictionCard {
  return {
    predictor: infoOf(entry),
    provider: provider ? { name: provider.name, fallbackReason: provider.fallbackReason ?? null } : null,
    outcome: outcomeOf(entry.manifest, run),
    invariance,
  };
}

function infoOf(entry: PredictorEntry): PredictorInfo {
  const m = entry.manifest;
  return { dir: entry.dir, name: m.name, version: m.version, description: m.description, model: m.model.kind, source: entry.source, training: trainingOf(m.training) };
}

/**
 * The training record is kept as written (the manifest parser checks what running the model
 * needs, not the record), so each field is checked here: a malformed record shows no metrics
 * rather than wrong ones. Metrics written as null (undefined in training) become NaN.
 */
function trainingOf(raw: unknown): PredictorInfo['training'] {
  if (!isObject(raw)) return null;
  const cv = metricsOf(raw.cv);
  if (!cv) return null;
  const baseline = isObject(raw.baseline) ? metricsOf(raw.baseline.cv) : null;
  return { adapters: wholeOr(raw.rows, 0), folds: wholeOr(raw.folds, 0), cv, baseline };
}

function metricsOf(raw: unknown): MetricsPayload | null {
  if (!isObject(raw)) return null;
  if (raw.kind === 'regression') return { kind: 'regression', r2: numberOrNaN(raw.r2), kendallTau: numberOrNaN(raw.kendallTau) };
  if (raw.kind === 'classification') return { kind: 'classification', accuracy: numberOrNaN(raw.accuracy), auc: numberOrNaN(raw.auc) };
  return null;
}

/** What the card shows for a run: a number only from a finished prediction, a reason otherwise. */
export function outcomeOf(manifest: PredictorManifest, run: RunState): PredictionOutcome {
  if (run.kind === 'pending') return { kind: 'pending' };
  if (run.kind === 'error') {
    const message = run.error instanceof Error ? run.error.message : String(run.error);
    const code = run.error instanceof Error ? (run.error as Error & { code?: unknown }).code : undefined;
    return typeof code === 'string' && MISMATCH_CODES.has(code) ? { kind: 'mismatch', message } : { kind: 'failed', message };
  }
  const p = run.prediction;
  if (p.kind === 'regression') {
    const range = manifest.output.kind === 'regression' ? manifest.output.range : null;
    if (!Number.isFinite(p.value)) return { kind: 'failed', message: `the predictor returned ${String(p.value)}` };
    return { kind: 'regression', target: p.target, value: p.value, unit: p.unit, range: range ? [range[0], range[1]] : null };
  }
  const labels = manifest.output.kind === 'classification' ? manifest.output.labels : Object.keys(p.probabilities);
  const probabilities = Float64Array.from(labels, (l) => (Object.hasOwn(p.probabilities, l) ? p.probabilities[l] : NaN));
  if (probabilities.some((q) => !Number.isFinite(q))) return { kind: 'failed', message: 'the predictor returned no probability for some labels' };
  return { kind: 'classification', target: p.target, label: p.label, labels: [...labels], probabilities };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function numberOrNaN(v: unknown): number {
  return typeof v === 'number' ? v : NaN;
}

function wholeOr(v: unknown, fallback: number): number {
  return Number.isSafeInteger(v) ? (v as number) : fallback;
}
