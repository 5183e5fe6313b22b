/**
 * kohya sd-scripts' dynamic resize rules (networks/resize_lora.py), reproduced for parity.
 *
 * kohya takes a dense SVD of the unscaled up·down, so its S has L = min(m, n) values with
 * (numerically) zeros past the trained rank; here the exact spectrum has p ≤ L values and the
 * missing ones are exact zeros, which changes no count below. Two deviations, both deliberate:
 * the zero-matrix test `S[0] ≤ 1e-6` is applied to the spectrum with the scale included (the
 * only one the caller has; s is usually within a factor of a few of 1), and the final cap is the
 * module's current rank instead of kohya's `--new_rank` (the plan never grows a module).
 * Comparisons are done in float64 where kohya works in float32, so a threshold met to within
 * float32 rounding may land one rank apart.
 */

import { relativeSums } from '../analysis/metrics';

/** kohya's MIN_SV: a spectrum whose top value is at most this is a zero matrix and keeps rank 1. */
const KOHYA_MIN_SV = 1e-6;

export type KohyaRule = 'sv_ratio' | 'sv_fro' | 'sv_cumulative';

/**
 * kohya's new_rank for one module, before the cap at the current rank: index + 1 where index is
 * its index_sv_* function. The "+1" on top of the index functions' own "+1" is kohya's
 * off-by-one (it keeps one component more than the threshold needs); kept for parity.
 * `sigma` is descending and non-negative; `fullLength` is L = min(m, n).
 */
export function kohyaRank(sigma: Float64Array, fullLength: number, rule: KohyaRule, param: number): number {
  if (sigma.length === 0 || sigma[0] <= KOHYA_MIN_SV) return 1;
  const index = clampIndex(rawIndex(sigma, fullLength, rule, param), fullLength);
  return index + 1;
}

/** max(1, min(index, len(S) − 1)), kohya's clamp. */
function clampIndex(index: number, fullLength: number): number {
  return Math.max(1, Math.min(index, fullLength - 1));
}

function rawIndex(sigma: Float64Array, fullLength: number, rule: KohyaRule, param: number): number {
  switch (rule) {
    case 'sv_ratio': {
      // int(torch.sum(S > S[0] / ratio))
      const min = sigma[0] / param;
      let count = 0;
      for (const s of sigma) if (s > min) count++;
      return count;
    }
    case 'sv_cumulative':
      return searchsortedCumulative(sigma, fullLength, 1, param) + 1;
    case 'sv_fro':
      return searchsortedCumulative(sigma, fullLength, 2, param * param) + 1;
  }
}

/**
 * torch.searchsorted(cumsum(S^power) / sum(S^power), target) with the default left side: the
 * number of normalized cumulative sums strictly below target. Past the p stored values the sums
 * stay at their last value (the zeros of kohya's dense spectrum), so when even that is below
 * target every one of the L entries is.
 */
function searchsortedCumulative(sigma: Float64Array, fullLength: number, power: 1 | 2, target: number): number {
  // In units near σ1 (a power of two, so exact): σ² of a spectrum near 1e+200 would overflow.
  const unit = relativeSums(sigma).unit;
  let total = 0;
  for (const x of sigma) total += power === 2 ? (x / unit) * (x / unit) : x / unit;
  let cumulative = 0;
  for (let i = 0; i < sigma.length; i++) {
    const s = sigma[i] / unit;
    cumulative += power === 2 ? s * s : s;
    if (!(cumulative / total < target)) return i;
  }
  return Math.max(fullLength, sigma.length);
}
