import type { Adapter } from '../adapter/model';
import type { ModuleAnalysis, ModuleResult } from '../analysis/analyze';
import { relativeSums } from '../analysis/metrics';
import { alphaFindings } from './alphaHealth';
import { configFindings } from './configHealth';
import type { Finding } from './finding';
import { countModules, HEALTH_CODES, nameList } from './healthCodes';
import { DEFAULT_HEALTH_THRESHOLDS, type HealthThresholds } from './thresholds';

/** The part of an analysis the health check reads: one result per module (analyzeAdapter's or the analyze job's output). */
export interface AnalysisResults {
  readonly modules: readonly ModuleResult[];
}

/** MAD × 1.4826 estimates a normal distribution's standard deviation. */
const MAD_TO_SIGMA = 1.4826;
/**
 * Health findings of an analysed adapter, from its modules' spectra and its config: modules
 * skipped for NaN/Inf data, negligible modules, rank-1 spikes, under-used ranks, and config
 * entries or stored alphas that contradict the tensors. F16 overflow needs the file's stored
 * values, which the analysis does not keep: see `f16OverflowFindings` (f16Range.ts).
 */
export function healthFindings(adapter: Adapter, report: AnalysisResults, thresholds: HealthThresholds = DEFAULT_HEALTH_THRESHOLDS): Finding[] {
  const ok = report.modules.filter((m): m is ModuleAnalysis => m.status === 'ok');
  return [
    ...nonFiniteFindings(report.modules),
    ...negligibleFindings(ok, thresholds),
    ...spikeFindings(adapter, ok, thresholds),
    ...configFindings(adapter),
    ...alphaFindings(adapter, thresholds),
    ...lowUtilizationFindings(adapter, ok, thresholds),
  ];
}

/** Modules skipped because a factor or ΔW's spectrum holds NaN or Inf (the reasons analyze.ts and factors.ts give). */
function nonFiniteFindings(modules: readonly ModuleResult[]): Finding[] {
  const bad = modules.filter((m) => m.status === 'skipped' && /NaN|infinite|overflows/.test(m.reason));
  if (bad.length === 0) return [];
  return [
    {
      code: HEALTH_CODES.nonFinite,
      severity: 'error',
      message: `${countModules(bad.length)} hold${bad.length === 1 ? 's' : ''} NaN or infinite values and cannot be applied: ${nameList(bad.map((m) => m.name))}`,
      modules: bad.map((m) => m.name),
    },
  ];
}

function negligibleFindings(ok: readonly ModuleAnalysis[], t: HealthThresholds): Finding[] {
  const median = medianOf(ok.map((m) => m.metrics.frobenius).filter((f) => f > 0));
  const bad = ok.filter((m) => m.metrics.frobenius === 0 || (median > 0 && m.metrics.frobenius < t.negligibleRatio * median));
  if (bad.length === 0) return [];
  return [
    {
      code: HEALTH_CODES.negligible,
      severity: 'warning',
      message: `${countModules(bad.length)} ha${bad.length === 1 ? 's' : 've'} ‖ΔW‖_F ≈ 0 (below ${t.negligibleRatio} × the median ${median.toPrecision(3)} of the others): never trained? ${nameList(bad.map((m) => m.name))}`,
      modules: bad.map((m) => m.name),
    },
  ];
}

/**
 * Rank-1 spikes: modules whose log(σ1/σ2) stands past median + k·MAD of the modules with at
 * least two singular values possible (a robust rule: a few spikes move neither the median nor
 * the MAD), and past an absolute floor. σ2 = 0 with σ1 > 0 counts as an infinite ratio.
 */
function spikeFindings(adapter: Adapter, ok: readonly ModuleAnalysis[], t: HealthThresholds): Finding[] {
  const maxRank = new Map(adapter.modules.map((m) => [m.name, m.maxRank]));
  const peers = ok.filter((m) => (maxRank.get(m.name) ?? 0) >= 2 && m.metrics.sigma1 > 0);
  if (peers.length < t.spikeMinPeers) return [];
  const logRatio = (m: ModuleAnalysis): number => (m.metrics.dominanceRatio === null ? Infinity : Math.log(m.metrics.dominanceRatio));
  const values = peers.map(logRatio);
  const median = medianOf(values);
  const mad = MAD_TO_SIGMA * medianOf(values.map((v) => Math.abs(v - median)));
  const limit = Math.max(median + t.spikeMads * mad, Math.log(t.spikeMinRatio));
  const bad = peers.filter((m) => logRatio(m) > limit);
  if (bad.length === 0) return [];
  return [
    {
      code: HEALTH_CODES.spike,
      severity: 'warning',
      message:
        `${countModules(bad.length)} ${bad.length === 1 ? 'is' : 'are'} nearly rank 1 far beyond the others ` +
        `(σ1/σ2 above ${Math.exp(limit).toPrecision(3)}; the median is ${Math.exp(median).toPrecision(3)}); such spikes dominate when LoRAs are stacked: ` +
        nameList(bad.map((m) => `${m.name} (σ1/σ2 ${m.metrics.dominanceRatio === null ? '∞' : m.metrics.dominanceRatio.toPrecision(3)})`)),
      modules: bad.map((m) => m.name),
    },
  ];
}

/**
 * Modules whose r95 is a small part of the stored rank, with the resize to r95 they suggest and
 * its relative Frobenius error √(1 − Σ_{i≤r95} σ_i² / Σσ²), exact by Eckart–Young.
 */
function lowUtilizationFindings(adapter: Adapter, ok: readonly ModuleAnalysis[], t: HealthThresholds): Finding[] {
  const rankOf = new Map(adapter.modules.map((m) => [m.name, m.rank]));
  const out: Finding[] = [];
  for (const m of ok) {
    const rank = rankOf.get(m.name) ?? 0;
    const r95 = m.metrics.r95;
    if (rank <= t.lowUtilizationMinRank || r95 === 0 || r95 > t.lowUtilizationFraction * rank) continue;
    const error = truncationError(m.singularValues, r95);
    out.push({
      code: HEALTH_CODES.lowUtilization,
      severity: 'note',
      message: `${m.name} uses little of its rank ${rank}: r95 = ${r95} (effective rank ${m.metrics.effectiveRank.toFixed(1)}); resizing to rank ${r95} keeps it with a relative Frobenius error of ${(100 * error).toFixed(2)} %`,
      modules: [m.name],
    });
  }
  return out;
}

/** ‖ΔW − ΔW_k‖_F / ‖ΔW‖_F for the best rank-k approximation, in units near σ1 so it neither overflows nor underflows. */
export function truncationError(sigma: Float64Array, k: number): number {
  const { unit, energy } = relativeSums(sigma);
  if (!(energy > 0)) return 0;
  let tail = 0;
  for (let i = k; i < sigma.length; i++) tail += (sigma[i] / unit) ** 2;
  return Math.sqrt(tail / energy);
}

function medianOf(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
