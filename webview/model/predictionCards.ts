import type { InvarianceState, MetricsPayload, PredictionCard, PredictionOutcome, PredictionsPayload } from '../../src/protocol/predictPayloads';
import { format } from 'd3-format';
import { formatNumber, formatPercent } from './format';

/** One probability of a classification, as a bar of the card's small bar list. */
export interface ProbabilityBar {
  readonly label: string;
  readonly probability: number;
  readonly text: string;
  /** Bar length as a share of the full width, in [0, 1]. */
  readonly width: number;
  readonly best: boolean;
}

/** What the card shows where the prediction goes: a number, bars, a wait, or a reason with no number. */
export type CardValue =
  | { readonly kind: 'pending'; readonly text: string }
  | { readonly kind: 'number'; readonly target: string; readonly text: string; readonly unit: string; readonly range: string | null; readonly outside: boolean }
  | { readonly kind: 'bars'; readonly target: string; readonly label: string; readonly bars: readonly ProbabilityBar[] }
  | { readonly kind: 'reason'; readonly tone: 'mismatch' | 'error'; readonly title: string; readonly text: string };

export type BadgeKind = 'invariant' | 'moves' | 'unchecked' | 'checking' | 'failed';

export interface Badge {
  readonly kind: BadgeKind;
  readonly text: string;
  /** Longer explanation (tooltip). */
  readonly title: string;
  /** Offer the button that runs the check. */
  readonly canCheck: boolean;
}

export interface CardModel {
  readonly dir: string;
  readonly name: string;
  /** "v1 · ridge · workspace". */
  readonly subtitle: string;
  readonly description: string;
  readonly value: CardValue;
  /** "R² 0.277 · τ 0.404", the raw-factor baseline's, and "5-fold CV on 48 adapters"; null without a training record. */
  readonly metric: { readonly model: string; readonly baseline: string | null; readonly detail: string } | null;
  readonly provider: string | null;
  readonly badge: Badge;
}

export interface PredictionsModel {
  /** Shown above the cards: what is happening, or why there are none. */
  readonly status: string;
  readonly cards: readonly CardModel[];
  /** Predictor folders that could not be read, with why. */
  readonly warnings: readonly string[];
  /** Predictors left out on purpose, with why (an untrusted folder's own predictors). */
  readonly notes: readonly string[];
  /** No predictor at all: the view offers Load and Train. */
  readonly empty: boolean;
}

const SOURCES = { workspace: 'workspace', setting: 'from settings', loaded: 'loaded' } as const;

export function predictionsModel(payload: PredictionsPayload | null): PredictionsModel {
  if (!payload) return { status: 'Looking for predictors…', cards: [], warnings: [], notes: [], empty: false };
  const warnings = payload.broken.map((b) => `${b.dir}: ${b.error}`);
  const empty = payload.cards.length === 0;
  const status = empty
    ? 'No property predictor found. Train one on a labelled zoo, load one, or put one in .lora-lens/predictors/ of the workspace.'
    : payload.status === 'waiting'
      ? 'Predictions run when the analysis has finished.'
      : payload.status === 'running'
        ? 'Predicting…'
        : `${payload.cards.length} predictor${payload.cards.length === 1 ? '' : 's'}`;
  return { status, cards: payload.cards.map(cardModel), warnings, notes: payload.notes ?? [], empty };
}

export function cardModel(card: PredictionCard): CardModel {
  const p = card.predictor;
  const fallback = card.provider?.fallbackReason ? ` (${card.provider.fallbackReason})` : '';
  return {
    dir: p.dir,
    name: p.name,
    subtitle: [`v${p.version}`, p.model, SOURCES[p.source]].join(' · '),
    description: p.description,
    value: valueOf(card.outcome),
    metric: p.training
      ? {
          model: metricText(p.training.cv),
          baseline: p.training.baseline ? metricText(p.training.baseline) : null,
          detail: `${p.training.folds}-fold CV on ${p.training.adapters} adapters`,
        }
      : null,
    // A predictor that gave no number did not run on anything worth naming.
    provider: card.provider && hasNumber(card.outcome) ? `${card.provider.name}${fallback}` : null,
    badge: badgeOf(card.invariance, hasNumber(card.outcome)),
  };
}

function hasNumber(o: PredictionOutcome): boolean {
  return o.kind === 'regression' || o.kind === 'classification';
}

export function valueOf(o: PredictionOutcome): CardValue {
  switch (o.kind) {
    case 'pending':
      return { kind: 'pending', text: 'waiting for the prediction…' };
    case 'mismatch':
      return { kind: 'reason', tone: 'mismatch', title: 'This predictor does not fit this adapter', text: o.message };
    case 'failed':
      return { kind: 'reason', tone: 'error', title: 'No prediction', text: o.message };
    case 'regression': {
      const range = o.range ? `trained on ${formatNumber(o.range[0])} to ${formatNumber(o.range[1])}` : null;
      const outside = o.range !== null && (o.value < o.range[0] || o.value > o.range[1]);
      return { kind: 'number', target: o.target, text: formatNumber(o.value), unit: o.unit, range, outside };
    }
    case 'classification': {
      const max = o.probabilities.reduce((a, b) => Math.max(a, b), -Infinity);
      const bars = o.labels.map((label, i) => {
        const q = o.probabilities[i];
        return { label, probability: q, text: formatPercent(q), width: Math.min(1, Math.max(0, q)), best: q === max };
      });
      return { kind: 'bars', target: o.target, label: o.label, bars };
    }
  }
}

const fixed3 = format('.3f');

/** "R² 0.277 · τ 0.404" or "accuracy 0.917 · AUC 0.950" (d3's minus sign); n/a for a metric undefined in training. */
export function metricText(m: MetricsPayload): string {
  const f = (v: number) => (Number.isFinite(v) ? fixed3(v) : 'n/a');
  return m.kind === 'regression' ? `R² ${f(m.r2)} · τ ${f(m.kendallTau)}` : `accuracy ${f(m.accuracy)} · AUC ${f(m.auc)}`;
}

export function badgeOf(state: InvarianceState, checkable: boolean): Badge {
  switch (state.kind) {
    case 'unchecked':
      return {
        kind: 'unchecked',
        text: 'invariance not checked',
        title: 'Feed random GL(r) reparametrizations of this adapter to the predictor and see whether its outputs move.',
        canCheck: checkable,
      };
    case 'checking':
      return { kind: 'checking', text: 'checking invariance…', title: 'Analysing reparametrized copies of this adapter.', canCheck: false };
    case 'failed':
      return { kind: 'failed', text: 'invariance check failed', title: state.message, canCheck: checkable };
    case 'checked': {
      // Exactly 0 happens (the features came out bit-identical): "0", not "0.0e+0".
      const change = state.maxRelativeChange === 0 ? '0' : state.maxRelativeChange.toExponential(1);
      const over = `largest relative change of the outputs over ${state.trials} random GL(r) reparametrizations`;
      return state.invariant
        ? { kind: 'invariant', text: `✓ invariant · max change ${change}`, title: `${over}: ${change} (≤ ${state.tolerance})`, canCheck: false }
        : { kind: 'moves', text: `⚠ not invariant · moves ${change}`, title: `${over}: ${change} (> ${state.tolerance})`, canCheck: true };
    }
  }
}
