/**
 * Rank metrics of one ΔW from its singular values (docs/design.md §2). Every metric here is a
 * function of the spectrum alone, so it is invariant under the GL(r) reparametrization
 * (B, A) → (B·R, R⁻¹·A). Per-component norms ‖b_i‖‖a_i‖ are not, and are never used.
 */
export interface RankMetrics {
  /** ‖ΔW‖_F = √Σσ². */
  readonly frobenius: number;
  readonly sigma1: number;
  /** exp(−Σ p_i ln p_i) with p_i = σ_i²/Σσ²; 0 for a zero ΔW. */
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
  /** AutoLoRA-style rank: #{i : σ_i / Σσ ≥ 1/k} over the k singular values. */
  readonly autoRank: number;
}

/**
 * Thresholds are compared with a relative slack of a few ulps, so a spectrum that meets one
 * exactly in exact arithmetic (k equal values) is counted as meeting it despite rounding.
 */
const LEVEL_SLACK = 1e-12;

/** Metrics of a spectrum sorted in descending order; `maxRank` is the structural limit. */
export function rankMetrics(sigma: Float64Array, maxRank: number): RankMetrics {
  const k = sigma.length;
  let energy = 0;
  let sum = 0;
  for (let i = 0; i < k; i++) {
    energy += sigma[i] * sigma[i];
    sum += sigma[i];
  }
  const sigma1 = k > 0 ? sigma[0] : 0;
  if (energy === 0 || !Number.isFinite(energy)) {
    return {
      frobenius: Math.sqrt(energy),
      sigma1,
      effectiveRank: 0,
      stableRank: 0,
      r90: 0,
      r95: 0,
      r99: 0,
      utilization: 0,
      dominanceRatio: null,
      topEnergy: 0,
      autoRank: 0,
    };
  }
  let entropy = 0;
  for (let i = 0; i < k; i++) {
    const p = (sigma[i] * sigma[i]) / energy;
    if (p > 0) entropy -= p * Math.log(p);
  }
  const effectiveRank = Math.exp(entropy);
  let autoRank = 0;
  for (let i = 0; i < k; i++) if (sigma[i] * k >= sum * (1 - LEVEL_SLACK)) autoRank++;
  return {
    frobenius: Math.sqrt(energy),
    sigma1,
    effectiveRank,
    stableRank: energy / (sigma1 * sigma1),
    r90: energyRank(sigma, energy, 0.9),
    r95: energyRank(sigma, energy, 0.95),
    r99: energyRank(sigma, energy, 0.99),
    utilization: maxRank > 0 ? effectiveRank / maxRank : 0,
    dominanceRatio: k > 1 && sigma[1] > 0 ? sigma1 / sigma[1] : null,
    topEnergy: (sigma1 * sigma1) / energy,
    autoRank,
  };
}

/** Smallest k with Σ_{i≤k} σ_i² ≥ level · Σσ². */
export function energyRank(sigma: Float64Array, energy: number, level: number): number {
  const target = level * energy * (1 - LEVEL_SLACK);
  let cumulative = 0;
  for (let i = 0; i < sigma.length; i++) {
    cumulative += sigma[i] * sigma[i];
    if (cumulative >= target) return i + 1;
  }
  return sigma.length;
}
