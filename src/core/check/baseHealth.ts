import type { ModuleAnalysis } from '../analysis/analyze';
import type { BaseAnalysis, BaseModuleResult } from '../base/analyzeBase';
import type { WeightMatch } from '../base/weightNames';
import type { Finding } from './finding';
import type { AnalysisResults } from './health';
import { countModules, nameList } from './healthCodes';
import type { HealthThresholds } from './thresholds';

/** Stable codes of the findings against the base model (`--base`). */
export const BASE_CODES = {
  amplification: 'HEALTH_BASE_AMPLIFICATION',
  intruders: 'HEALTH_INTRUDER_DIMENSIONS',
  missing: 'HEALTH_BASE_MISSING',
  shapeMismatch: 'HEALTH_BASE_SHAPE_MISMATCH',
} as const;

/** An adapted module no base weight serves, and why (matchBaseWeight's verdict). */
export interface UnmatchedModule {
  readonly name: string;
  readonly reason: string;
  readonly kind: Extract<WeightMatch, { reason: string }>['kind'];
}

type Analysed = Extract<BaseModuleResult, { status: 'ok' }>;

/** MAD × 1.4826 estimates a normal distribution's standard deviation. */
const MAD_TO_SIGMA = 1.4826;

/**
 * Findings of an adapter against its base model, from `matchBaseWeight`'s verdicts and the base
 * analysis (analyzeBase.ts; null when no module had a base weight to analyse): modules whose
 * base weight has a contradicting shape (error: the adapter was not trained on this base) or is
 * missing, updates large against their base weight, and intruder dimensions. `adapterAnalysis`
 * gives ‖ΔW‖₂ (σ1 of the exact spectrum) by module name.
 */
export function baseHealthFindings(
  unmatched: readonly UnmatchedModule[],
  base: BaseAnalysis | null,
  adapterAnalysis: AnalysisResults,
  basePath: string,
  t: HealthThresholds,
): Finding[] {
  const analysed = (base?.modules ?? []).filter((m): m is Analysed => m.status === 'ok');
  return [
    ...shapeFindings(
      unmatched.filter((u) => u.kind === 'shape'),
      basePath,
    ),
    ...missingFindings(
      unmatched.filter((u) => u.kind !== 'shape'),
      basePath,
    ),
    ...spectralRatioFindings(analysed, adapterAnalysis, t),
    ...amplificationFindings(analysed, t),
    ...intruderFindings(analysed, t),
  ];
}

function shapeFindings(bad: readonly UnmatchedModule[], basePath: string): Finding[] {
  if (bad.length === 0) return [];
  return [
    {
      code: BASE_CODES.shapeMismatch,
      severity: 'error',
      message:
        `${countModules(bad.length)} ha${bad.length === 1 ? 's' : 've'} a base weight in ${basePath} whose shape the adapter contradicts: ` +
        `it was not trained on this base model: ${nameList(bad.map((u) => `${u.name} (${u.reason})`))}`,
      modules: bad.map((u) => u.name),
    },
  ];
}

function missingFindings(bad: readonly UnmatchedModule[], basePath: string): Finding[] {
  if (bad.length === 0) return [];
  return [
    {
      code: BASE_CODES.missing,
      severity: 'warning',
      message:
        `${countModules(bad.length)} found no single base weight in ${basePath}: no loader can apply ${bad.length === 1 ? 'it' : 'them'} to this model, ` +
        `and the analyses against the base skip ${bad.length === 1 ? 'it' : 'them'}: ${nameList(bad.map((u) => `${u.name} (${u.reason})`))}`,
      modules: bad.map((u) => u.name),
    },
  ];
}

/** ‖ΔW‖₂ / ‖W0‖₂ past the threshold; σ1 of W0 is the base analysis' top singular value. */
function spectralRatioFindings(analysed: readonly Analysed[], adapterAnalysis: AnalysisResults, t: HealthThresholds): Finding[] {
  const sigma1 = new Map(adapterAnalysis.modules.filter((m): m is ModuleAnalysis => m.status === 'ok').map((m) => [m.name, m.metrics.sigma1]));
  const bad: { name: string; ratio: number }[] = [];
  for (const m of analysed) {
    const update = sigma1.get(m.name);
    const weight = m.baseValues.length > 0 ? m.baseValues[0] : 0;
    if (update === undefined || !(update > 0)) continue;
    const ratio = weight > 0 ? update / weight : Infinity;
    if (ratio > t.baseSpectralRatio) bad.push({ name: m.name, ratio });
  }
  if (bad.length === 0) return [];
  return [
    {
      code: BASE_CODES.amplification,
      severity: 'warning',
      message:
        `${countModules(bad.length)} ha${bad.length === 1 ? 's' : 've'} an update larger than the base weight itself ` +
        `(‖ΔW‖₂ / ‖W0‖₂ above ${t.baseSpectralRatio}): in that layer the update outweighs the pretrained weight: ` +
        nameList(bad.map((b) => `${b.name} (${formatNumber(b.ratio)})`)),
      modules: bad.map((b) => b.name),
    },
  ];
}

/**
 * Amplification factors far out from the adapter's others: Hu et al. 2021 (LoRA, §7.3):
 * ‖ΔW‖_F / ‖Uᵀ·W0·V‖_F with U, V ΔW's singular vectors, as `baseAlignment` computes it; large
 * when ΔW boosts directions W0 barely uses. The robust rule of the rank-1 spikes, on logs.
 */
function amplificationFindings(analysed: readonly Analysed[], t: HealthThresholds): Finding[] {
  const peers = analysed.filter((m) => m.alignment.amplification > 0);
  if (peers.length < t.amplificationMinPeers) return [];
  const values = peers.map((m) => Math.log(m.alignment.amplification));
  const median = medianOf(values);
  const mad = MAD_TO_SIGMA * medianOf(values.map((v) => Math.abs(v - median)));
  const limit = Math.max(median + t.amplificationMads * mad, median + Math.log(t.amplificationMinFold));
  const bad = peers.filter((m, i) => values[i] > limit);
  if (bad.length === 0) return [];
  return [
    {
      code: BASE_CODES.amplification,
      severity: 'warning',
      message:
        `${countModules(bad.length)} amplif${bad.length === 1 ? 'ies' : 'y'} directions the base weight barely uses far beyond the others ` +
        `(amplification ‖ΔW‖_F / ‖Uᵀ·W0·V‖_F of Hu et al. above ${formatNumber(Math.exp(limit))}; the median is ${formatNumber(Math.exp(median))}): ` +
        nameList(bad.map((m) => `${m.name} (${formatNumber(m.alignment.amplification)})`)),
      modules: bad.map((m) => m.name),
    },
  ];
}

/**
 * Intruder dimensions as intruders.ts finds them (Shuttleworth et al. 2024, "LoRA vs full
 * fine-tuning: an illusion of equivalence"): top singular vectors of W0 + ΔW with no match ≥ ε
 * among W0's. Only determined ones count: `uncertain` vectors might be either, so count −
 * uncertain intruders are certain.
 */
function intruderFindings(analysed: readonly Analysed[], t: HealthThresholds): Finding[] {
  const bad = analysed.filter((m) => m.intruders.count > 0 && m.intruders.count - m.intruders.uncertain >= t.intruderMinCount);
  if (bad.length === 0) return [];
  const { k, kBase, epsilon } = bad[0].intruders;
  return [
    {
      code: BASE_CODES.intruders,
      severity: 'note',
      message:
        `${countModules(bad.length)} ha${bad.length === 1 ? 's' : 've'} intruder dimensions (Shuttleworth et al. 2024): top-${k} singular vectors of W0 + ΔW ` +
        `whose best |cosine| with W0's top ${kBase} is below ε = ${epsilon}, new directions that go with forgetting what the base model knew: ` +
        nameList(bad.map((m) => `${m.name} (${m.intruders.count} of ${m.intruders.k}${m.intruders.uncertain > 0 ? `, ${m.intruders.uncertain} undetermined` : ''})`)),
      modules: bad.map((m) => m.name),
    },
  ];
}

function formatNumber(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(3) : '∞';
}

function medianOf(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
