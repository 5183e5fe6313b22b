/**
 * Rank metrics of one ΔW from its singular values (docs/design.md §2). Every metric here is a
 * function of the spectrum alone, so it is invariant under the GL(r) reparametrization
 * (B, A) → (B·R, R⁻¹·A). Per-component norms ‖b_i‖‖a_i‖ are not, and are never used.
 */
export interface RankMetrics {
  /** ‖ΔW‖_F = √Σσ², computed in units near σ1 (`unitOf`) so it neither overflows nor underflows early. */
  readonly frobenius: number;
  readonly sigma1: number;
  /** exp(−Σ p_i ln p_i) with p_i = σ_i²/Σσ², sums taken in units near σ1; 0 for a zero ΔW. */
  readonly effectiveRank: number;
  /** ‖ΔW‖_F² / σ1²; 0 for a zero ΔW. */
  readonly stableRank: number;
  /** Smallest k whose top-k energy Σ_{i≤k} p_i reaches 90 / 95 / 99 %. */
  readonly r90: number;
  readonly r95: number;
  readonly r99: number;
  /** Effective rank over the most singular values the structure allows (r for plain LoRA). */
  readonly utilization: number;
  /** σ1/σ2: large means rank-1 behaviour; null when σ2 = 0 or there is one value. */
  readonly dominanceRatio: number | null;
  /** p_1, the share of energy in the top direction. */
  readonly topEnergy: number;
  /**
   * σ-above-mean rank: #{i : σ_i ≥ mean σ} = #{i : σ_i / Σσ ≥ 1/k} over the k singular values.
   * A fixed rule on the spectrum, not AutoLoRA (which learns selection variables on validation data).
   */
  readonly aboveMeanRank: number;
}

/**
 * Thresholds are compared with a relative slack of a few ulps, so a spectrum that meets one
 * exactly in exact arithmetic (k equal values) is counted as meeting it despite rounding.
 */
const LEVEL_SLACK = 1e-12;

/**
 * A power of two near `largest` (1 for 0 or a non-finite value). Sums of squares are taken of
 * values divided by it, so a spectrum near the top or the bottom of the float64 range (σ1 =
 * 1e+201 or 1e-179) gives the same fractions as one near 1 instead of an Infinity or a 0 from σ²
 * overflowing or underflowing. Dividing by a power of two is exact, so spectra that were in
 * range give bit for bit the numbers they gave before.
 */
export function unitOf(largest: number): number {
  return largest > 0 && Number.isFinite(largest) ? 2 ** Math.floor(Math.log2(largest)) : 1;
}

/** The largest |σ_i|, the unit of `unitOf` and Σ(σ_i/unit)², Σσ_i/unit. */
export function relativeSums(sigma: ArrayLike<number>): { sigma1: number; unit: number; energy: number; sum: number } {
  let sigma1 = 0;
  for (let i = 0; i < sigma.length; i++) if (!(Math.abs(sigma[i]) <= sigma1)) sigma1 = Math.abs(sigma[i]);
  const unit = unitOf(sigma1);
  if (!(sigma1 > 0) || !Number.isFinite(sigma1)) return { sigma1, unit, energy: 0, sum: 0 };
  let energy = 0;
  let sum = 0;
  for (let i = 0; i < sigma.length; i++) {
    const q = sigma[i] / unit;
    energy += q * q;
    sum += q;
  }
  return { sigma1, unit, energy, sum };
}

/** ‖ΔW‖_F = unit·√Σ(σ_i/unit)², finite for every finite spectrum whose norm fits in float64. */
export function frobeniusOf(sigma: ArrayLike<number>): number {
  const { sigma1, unit, energy } = relativeSums(sigma);
  return energy > 0 ? unit * Math.sqrt(energy) : sigma1;
}

/** Metrics of a spectrum sorted in descending order; `maxRank` is the structural limit. */
export function rankMetrics(sigma: Float64Array, maxRank: number): RankMetrics {
  const k = sigma.length;
  const { sigma1, unit, energy, sum } = relativeSums(sigma);
  if (energy === 0) {
    return {
      frobenius: sigma1,
      sigma1: k > 0 ? sigma[0] : 0,
      effectiveRank: 0,
      stableRank: 0,
      r90: 0,
      r95: 0,
      r99: 0,
      utilization: 0,
      dominanceRatio: null,
      topEnergy: 0,
      aboveMeanRank: 0,
    };
  }
  let entropy = 0;
  for (let i = 0; i < k; i++) {
    const q = sigma[i] / unit;
    const p = (q * q) / energy;
    if (p > 0) entropy -= p * Math.log(p);
  }
  const effectiveRank = Math.exp(entropy);
  let aboveMeanRank = 0;
  for (let i = 0; i < k; i++) if ((sigma[i] / unit) * k >= sum * (1 - LEVEL_SLACK)) aboveMeanRank++;
  return {
    frobenius: unit * Math.sqrt(energy),
    sigma1,
    effectiveRank,
    stableRank: energy / ((sigma1 / unit) * (sigma1 / unit)),
    r90: energyRank(sigma, 0.9),
    r95: energyRank(sigma, 0.95),
    r99: energyRank(sigma, 0.99),
    utilization: maxRank > 0 ? effectiveRank / maxRank : 0,
    dominanceRatio: k > 1 && sigma[1] > 0 ? sigma1 / sigma[1] : null,
    topEnergy: ((sigma1 / unit) * (sigma1 / unit)) / energy,
    aboveMeanRank,
  };
}

/** Smallest k with Σ_{i≤k} σ_i² ≥ level · Σσ² (sums taken in units of `unitOf`); 0 for a zero spectrum. */
export function energyRank(sigma: ArrayLike<number>, level: number): number {
  const { unit, energy } = relativeSums(sigma);
  if (energy === 0) return 0;
  const target = level * energy * (1 - LEVEL_SLACK);
  let cumulative = 0;
  for (let i = 0; i < sigma.length; i++) {
    const q = sigma[i] / unit;
    cumulative += q * q;
    if (cumulative >= target) return i + 1;
  }
  return sigma.length;
}
