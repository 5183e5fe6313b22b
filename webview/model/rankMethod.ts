import type { LayerRow } from '../../src/protocol/payloads';
import type { RankMethodPayload } from '../../src/protocol/resizePayloads';

/** The methods the ranks view offers; the two budgets are one core method with two units. */
export type RecommendKind = 'none' | 'energy' | 'above_mean' | 'sv_ratio' | 'sv_fro' | 'sv_cumulative' | 'budget_rank' | 'budget_params' | 'fixed';

/** The method and its parameter as chosen in the view (and kept in saved view state). */
export interface RecommendChoice {
  readonly kind: RecommendKind;
  /** The parameter, null for methods without one (σ-above-mean, none). */
  readonly param: number | null;
}

interface KindInfo {
  readonly kind: RecommendKind;
  readonly label: string;
  /** What the parameter means, null when the method has none. */
  readonly param: string | null;
  /** Why a value is refused, or null when it is fine. */
  readonly check: (value: number) => string | null;
}

const fraction = (value: number) => (value > 0 && value <= 1 ? null : 'must be above 0 and at most 1');
const positiveInteger = (value: number) => (Number.isInteger(value) && value >= 1 ? null : 'must be a whole number of at least 1');

export const RECOMMEND_KINDS: readonly KindInfo[] = [
  { kind: 'none', label: 'No recommendation', param: null, check: () => null },
  { kind: 'energy', label: 'Energy level', param: 'energy kept (0–1]', check: fraction },
  // Not AutoLoRA: AutoLoRA learns selection variables on validation data; this only counts σ_i ≥ mean σ.
  { kind: 'above_mean', label: 'σ-above-mean rank', param: null, check: () => null },
  // kohya keeps σ_i ≥ σ_1 / ratio: a ratio below 1 would keep nothing.
  { kind: 'sv_ratio', label: 'kohya sv_ratio', param: 'ratio σ1/σk (≥ 1)', check: (v) => (v >= 1 && Number.isFinite(v) ? null : 'must be a number of at least 1') },
  { kind: 'sv_fro', label: 'kohya sv_fro', param: 'Frobenius share kept (0–1]', check: fraction },
  { kind: 'sv_cumulative', label: 'kohya sv_cumulative', param: 'cumulative σ share kept (0–1]', check: fraction },
  { kind: 'budget_rank', label: 'Budget: total rank', param: 'total rank over all layers', check: positiveInteger },
  { kind: 'budget_params', label: 'Budget: parameters', param: 'parameters over all layers', check: positiveInteger },
  { kind: 'fixed', label: 'Fixed rank', param: 'rank per layer', check: positiveInteger },
];

export const DEFAULT_CHOICE: RecommendChoice = { kind: 'energy', param: 0.95 };

export function kindInfo(kind: RecommendKind): KindInfo {
  return RECOMMEND_KINDS.find((k) => k.kind === kind) ?? RECOMMEND_KINDS[0];
}

export function isRecommendKind(value: unknown): value is RecommendKind {
  return RECOMMEND_KINDS.some((k) => k.kind === value);
}

/**
 * The parameter a method starts with when picked. The budgets and the fixed rank depend on the
 * adapter: half of what it has now, so the first look shows a real trade-off.
 */
export function defaultParam(kind: RecommendKind, layers: readonly LayerRow[]): number | null {
  switch (kind) {
    case 'none':
    case 'above_mean':
      return null;
    case 'energy':
      return 0.95;
    case 'sv_ratio':
      return 10;
    case 'sv_fro':
    case 'sv_cumulative':
      return 0.9;
    case 'budget_rank':
      return Math.max(1, Math.round(layers.reduce((s, l) => s + l.rank, 0) / 2));
    case 'budget_params':
      return Math.max(1, Math.round(layers.reduce((s, l) => s + l.rank * (l.rows + l.cols), 0) / 2));
    case 'fixed':
      return Math.max(1, Math.floor(layers.reduce((m, l) => Math.max(m, l.rank), 0) / 2));
  }
}

/** Reads a typed parameter: the number, or why it is refused, in words for the field's message. */
export function parseParam(kind: RecommendKind, text: string): { readonly value: number } | { readonly error: string } {
  const info = kindInfo(kind);
  if (info.param === null) return { error: `${info.label} takes no parameter` };
  const trimmed = text.trim();
  const value = trimmed === '' ? Number.NaN : Number(trimmed);
  if (!Number.isFinite(value)) return { error: `The ${info.param} must be a number` };
  const problem = info.check(value);
  return problem === null ? { value } : { error: `The ${info.param} ${problem}` };
}

/** The protocol's method for a choice; null for "none" or a parameter that is missing or refused. */
export function methodOf(choice: RecommendChoice): RankMethodPayload | null {
  const info = kindInfo(choice.kind);
  if (choice.kind === 'none') return null;
  if (choice.kind === 'above_mean') return { kind: 'above_mean' };
  const p = choice.param;
  if (p === null || info.check(p) !== null) return null;
  switch (choice.kind) {
    case 'energy':
      return { kind: 'energy', level: p };
    case 'sv_ratio':
      return { kind: 'sv_ratio', ratio: p };
    case 'sv_fro':
      return { kind: 'sv_fro', target: p };
    case 'sv_cumulative':
      return { kind: 'sv_cumulative', target: p };
    case 'budget_rank':
      return { kind: 'budget', unit: 'rank', total: p };
    case 'budget_params':
      return { kind: 'budget', unit: 'params', total: p };
    case 'fixed':
      return { kind: 'fixed', rank: p };
  }
}

/** Reads a saved choice defensively: an unknown kind or a refused parameter falls back to the default. */
export function parseChoice(raw: unknown): RecommendChoice {
  if (typeof raw !== 'object' || raw === null) return DEFAULT_CHOICE;
  const saved = raw as Record<string, unknown>;
  // State saved before the rule was renamed calls it 'auto'.
  const r = saved.kind === 'auto' ? { ...saved, kind: 'above_mean' } : saved;
  if (!isRecommendKind(r.kind)) return DEFAULT_CHOICE;
  const param = typeof r.param === 'number' ? r.param : null;
  const choice = { kind: r.kind, param: kindInfo(r.kind).param === null ? null : param };
  return r.kind === 'none' || methodOf(choice) !== null ? choice : DEFAULT_CHOICE;
}
