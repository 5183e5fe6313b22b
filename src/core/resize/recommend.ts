import { energyRank, rankMetrics, relativeSums, unitOf } from '../analysis/metrics';
import { allocateBudget } from './budget';
import { ResizeError } from './errors';
import { kohyaRank } from './kohyaRules';

/** How a kept rank is chosen per module (docs/design.md §2 and §7). */
export type RankMethod =
  /** Smallest k with Σ_{i≤k}σ²/Σσ² ≥ level (default 0.95). */
  | { readonly kind: 'energy'; readonly level: number }
  /**
   * σ-above-mean: #{i : σ_i ≥ mean σ} = #{i : σ_i/Σσ ≥ 1/r}. Not AutoLoRA, which learns selection
   * variables on validation data; "auto" is accepted as a deprecated name (`rankMethodDeprecation`).
   */
  | { readonly kind: 'above_mean' }
  /** kohya resize_lora.py semantics exactly (incl. its clamps and its "+1"), capped at the module's current rank. */
  | { readonly kind: 'sv_ratio'; readonly ratio: number }
  | { readonly kind: 'sv_fro'; readonly target: number }
  | { readonly kind: 'sv_cumulative'; readonly target: number }
  /** min(rank, current rank). */
  | { readonly kind: 'fixed'; readonly rank: number }
  /** Global, greedy by σ² (per parameter for a parameter budget). */
  | { readonly kind: 'budget'; readonly unit: 'rank' | 'params'; readonly total: number };

/** One module's input: its exact spectrum (descending, scale included) and its size. */
export interface RankInput {
  readonly name: string;
  /** [m, n] of ΔW. */
  readonly shape: readonly [number, number];
  /** Current rank r. */
  readonly rank: number;
  readonly sigma: Float64Array;
}

export interface RankChoice {
  readonly name: string;
  /** Current rank. */
  readonly rank: number;
  /** Recommended k (0 only for a zero ΔW under the energy and σ-above-mean rules: nothing to keep). */
  readonly kept: number;
  /** sqrt(Σ_{i>k} σ_i²) / ‖ΔW‖_F, 0 for a zero ΔW. */
  readonly relativeError: number;
  /** r·(m + n): the plain factor count (a mixer's r² is the caller's concern). */
  readonly paramsBefore: number;
  /** k·(m + n). */
  readonly paramsAfter: number;
}

export interface RankPlan {
  readonly method: RankMethod;
  readonly layers: readonly RankChoice[];
  /** sqrt(Σ_layers Σ_{i>k} σ_i²) / sqrt(Σ_layers ‖ΔW‖_F²). */
  readonly overallRelativeError: number;
  readonly paramsBefore: number;
  readonly paramsAfter: number;
}

/**
 * Kept ranks for every module by one method. Pure and cheap (O(Σ p) plus a sort for budgets).
 * Every rule depends on the spectrum only, so the plan is GL(r)-invariant. Kept ranks never
 * exceed min(current rank, number of σ). Throws ResizeError BUDGET_TOO_SMALL for a budget that
 * cannot keep one component per module.
 */
export function recommendRanks(layers: readonly RankInput[], method: RankMethod): RankPlan {
  const caps = layers.map((l) => Math.min(l.rank, l.sigma.length));
  const kept = method.kind === 'budget' ? budgetRanks(layers, caps, method) : layers.map((l, j) => Math.min(caps[j], localRank(l, method)));
  // Energies are summed in units near the largest σ (per layer, and over all layers for the
  // overall error), so spectra near the ends of the float64 range neither overflow nor vanish.
  let largest = 0;
  for (const l of layers) largest = Math.max(largest, relativeSums(l.sigma).sigma1);
  const globalUnit = unitOf(largest);
  let tailTotal = 0;
  let energyTotal = 0;
  let paramsBefore = 0;
  let paramsAfter = 0;
  const choices = layers.map((l, j): RankChoice => {
    const k = kept[j];
    const unit = relativeSums(l.sigma).unit;
    let tail = 0;
    let head = 0;
    for (let i = 0; i < l.sigma.length; i++) {
      const q = l.sigma[i] / unit;
      const g = l.sigma[i] / globalUnit;
      if (i < k) head += q * q;
      else {
        tail += q * q;
        tailTotal += g * g;
      }
      energyTotal += g * g;
    }
    const energy = head + tail;
    const width = l.shape[0] + l.shape[1];
    paramsBefore += l.rank * width;
    paramsAfter += k * width;
    return { name: l.name, rank: l.rank, kept: k, relativeError: energy > 0 ? Math.sqrt(tail / energy) : 0, paramsBefore: l.rank * width, paramsAfter: k * width };
  });
  return { method, layers: choices, overallRelativeError: energyTotal > 0 ? Math.sqrt(tailTotal / energyTotal) : 0, paramsBefore, paramsAfter };
}

function localRank(layer: RankInput, method: Exclude<RankMethod, { kind: 'budget' }>): number {
  const { sigma } = layer;
  switch (method.kind) {
    case 'energy':
      return energyRank(sigma, method.level);
    case 'above_mean':
      // The spectrum view's σ-above-mean rank, so the plan and the display agree: its r is the
      // number of singular values, min(m, n, r), which is r unless the module is narrower.
      return rankMetrics(sigma, layer.rank).aboveMeanRank;
    case 'sv_ratio':
      return kohyaRank(sigma, Math.min(layer.shape[0], layer.shape[1]), 'sv_ratio', method.ratio);
    case 'sv_fro':
      return kohyaRank(sigma, Math.min(layer.shape[0], layer.shape[1]), 'sv_fro', method.target);
    case 'sv_cumulative':
      return kohyaRank(sigma, Math.min(layer.shape[0], layer.shape[1]), 'sv_cumulative', method.target);
    case 'fixed':
      return method.rank;
  }
}

function budgetRanks(layers: readonly RankInput[], caps: readonly number[], method: Extract<RankMethod, { kind: 'budget' }>): number[] {
  const modules = layers.map((l, j) => ({ name: l.name, sigma: l.sigma, capacity: caps[j], cost: method.unit === 'rank' ? 1 : l.shape[0] + l.shape[1] }));
  return allocateBudget(modules, method.total, method.unit);
}

/**
 * Parses CLI/UI text: "energy" or "energy:0.95" (also "energy:95%"), "above_mean" (or its deprecated name "auto"), "sv_ratio:2",
 * "sv_fro:0.9", "sv_cumulative:0.9", "fixed:8", "budget:rank:256", "budget:params:1e6" (the
 * CLI's "budget-rank:256" / "budget-params:1e6" spellings too). Throws ResizeError
 * INVALID_METHOD saying what was wrong.
 */
export function parseRankMethod(text: string): RankMethod {
  const parts = text
    .trim()
    .split(':')
    .map((p) => p.trim());
  const head = parts[0].toLowerCase().replace(/-/g, '_');
  const bad = (why: string): never => {
    throw new ResizeError('INVALID_METHOD', `rank method "${text}": ${why}`);
  };
  const arity = (n: number, form: string): void => {
    if (parts.length !== n) bad(`expected ${form}`);
  };
  switch (head) {
    case 'energy': {
      if (parts.length === 1) return { kind: 'energy', level: 0.95 };
      arity(2, 'energy:LEVEL, e.g. energy:0.95');
      const level = parts[1].endsWith('%') ? numberOf(parts[1].slice(0, -1), bad) / 100 : numberOf(parts[1], bad);
      if (!(level > 0 && level <= 1)) bad('the energy level must be in (0, 1] (or a percentage up to 100%)');
      return { kind: 'energy', level };
    }
    case 'above_mean':
    case 'auto':
      arity(1, `${head} with no parameter`);
      return { kind: 'above_mean' };
    case 'sv_ratio': {
      arity(2, 'sv_ratio:RATIO, e.g. sv_ratio:2');
      const ratio = numberOf(parts[1], bad);
      if (!(ratio >= 1 && Number.isFinite(ratio))) bad('the ratio σ₁/σ_k must be a finite number ≥ 1');
      return { kind: 'sv_ratio', ratio };
    }
    case 'sv_fro':
    case 'sv_cumulative': {
      arity(2, `${head}:TARGET, e.g. ${head}:0.9`);
      const target = numberOf(parts[1], bad);
      if (!(target > 0 && target <= 1)) bad('the target must be in (0, 1]');
      return { kind: head, target };
    }
    case 'fixed': {
      arity(2, 'fixed:RANK, e.g. fixed:8');
      const rank = numberOf(parts[1], bad);
      if (!(Number.isInteger(rank) && rank >= 1)) bad('the rank must be a whole number ≥ 1');
      return { kind: 'fixed', rank };
    }
    case 'budget':
      arity(3, 'budget:rank:TOTAL or budget:params:TOTAL');
      return budgetOf(parts[1].toLowerCase(), parts[2], bad);
    case 'budget_rank':
    case 'budget_params':
      arity(2, `${head.replace('_', '-')}:TOTAL`);
      return budgetOf(head === 'budget_rank' ? 'rank' : 'params', parts[1], bad);
    default:
      return bad('unknown method; use energy, above_mean, sv_ratio, sv_fro, sv_cumulative, fixed or budget');
  }
}

/**
 * The warning for a method written under a deprecated name, or null. "auto" was this tool's name
 * for the σ-above-mean rule; it is still accepted so that scripts keep working.
 */
export function rankMethodDeprecation(text: string): string | null {
  const head = text.trim().split(':')[0].trim().toLowerCase();
  return head === 'auto'
    ? 'rank method "auto" is deprecated: use "above_mean" (the σ-above-mean rank, #{i : σ_i ≥ mean σ}); it is not AutoLoRA, which learns selection variables on validation data'
    : null;
}

function budgetOf(unit: string, value: string, bad: (why: string) => never): RankMethod {
  if (unit !== 'rank' && unit !== 'params') bad(`the budget unit must be rank or params, not "${unit}"`);
  const total = numberOf(value, bad);
  if (!(Number.isInteger(total) && total >= 1 && total <= Number.MAX_SAFE_INTEGER)) bad('the budget must be a whole number ≥ 1');
  return { kind: 'budget', unit: unit === 'rank' ? 'rank' : 'params', total };
}

function numberOf(text: string, bad: (why: string) => never): number {
  // Number('') is 0 and Number(' 1') is 1: insist on a plain decimal or exponent form.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) bad(`"${text}" is not a number`);
  return Number(text);
}

/** A short label, e.g. "95 % energy", "kohya sv_fro 0.9", "budget: total rank 256". */
export function describeRankMethod(method: RankMethod): string {
  switch (method.kind) {
    case 'energy':
      return `${Number((method.level * 100).toPrecision(6))} % energy`;
    case 'above_mean':
      return 'σ-above-mean rank (σ_i ≥ mean σ)';
    case 'sv_ratio':
      return `kohya sv_ratio ${method.ratio}`;
    case 'sv_fro':
      return `kohya sv_fro ${method.target}`;
    case 'sv_cumulative':
      return `kohya sv_cumulative ${method.target}`;
    case 'fixed':
      return `fixed rank ${method.rank}`;
    case 'budget':
      return method.unit === 'rank' ? `budget: total rank ${method.total}` : `budget: ${method.total.toLocaleString('en-US')} parameters`;
  }
}
