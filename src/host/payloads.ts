import type { MetadataEntry } from '../core/adapter/metadata';
import { describeMetadata } from '../core/adapter/metadata';
import type { AdaptedModule, Adapter, KroneckerSide } from '../core/adapter/model';
import type { ModuleResult } from '../core/analysis/analyze';
import type { MixerAnalysis } from '../core/analysis/mixer';
import type { DeviceReport } from '../core/compute/worker/protocol';
import { tensorCounts } from '../core/report/report';
import type { AdapterOverview, ComputeInfo, DisplayEntry, KroneckerSidePayload, LayerAnalysis, LayerRow, LayerStructure, MixerPayload, TensorRow } from '../protocol/payloads';
import { placeOf } from '../core/adapter/place';
import { familyOf } from './layerNames';

/** How src/core/adapter/guess.ts starts the warning that names a guessed rule. */
const GUESSED_RULE = 'guessed rule: ';

/**
 * Core results → what the webview draws. Pure functions of the core's model (no `vscode`), so
 * the editor, the webview tests' recorded messages and the hover all convert the same way.
 */

/** The overview sent before any analysis: everything the header and config say. */
export function overviewOf(adapter: Adapter, fileBytes: number): AdapterOverview {
  const byName = new Map(adapter.header.tensors.map((t) => [t.name, t]));
  const { adapterParameters, dtypes } = tensorCounts(adapter);
  const isAdapter = adapter.modules.length > 0;
  const names = isAdapter ? adapter.otherTensors.map((t) => t.name) : adapter.header.tensors.map((t) => t.name);
  const tensors: TensorRow[] = [];
  for (const name of names) {
    const t = byName.get(name);
    if (t) tensors.push({ name, dtype: t.dtype, shape: t.shape, bytes: t.end - t.start });
  }
  return {
    file: adapter.file,
    fileBytes,
    isAdapter,
    container: adapter.container ?? 'safetensors',
    format: adapter.format,
    formatDetail: adapter.formatDetail,
    guessedRules: guessedRules(adapter.warnings),
    peftType: adapter.peftType,
    baseModel: adapter.baseModel,
    analysable: adapter.analysable,
    adapterParameters,
    dtypes,
    scaleRules: mostCommonFirst(adapter.modules.map((m) => m.scaleRule)),
    warnings: adapter.warnings,
    metadata: describeMetadata(adapter.header.metadata).map(displayEntry),
    configFile: adapter.config?.file ?? null,
    config: adapter.config ? Object.entries(adapter.config.values).map(([key, value]) => configEntry(key, value)) : [],
    layers: layerRows(adapter.modules, (name) => byName.get(name)?.shape),
    tensors,
  };
}

/** The warnings of guess.ts ("guessed rule: …"), each without its prefix. */
function guessedRules(warnings: readonly string[]): string[] {
  return warnings.filter((w) => w.startsWith(GUESSED_RULE)).map((w) => w.slice(GUESSED_RULE.length));
}

/** The table rows, with each module's block, depth, type and family read from its name. */
export function layerRows(modules: readonly AdaptedModule[], shapeOf: (tensor: string) => readonly number[] | undefined = () => undefined): LayerRow[] {
  const depths = new Map<string, number>();
  return modules.map((m, index) => {
    const { block, moduleType } = placeOf(m.name);
    if (block !== null && !depths.has(block)) depths.set(block, depths.size);
    return {
      index,
      name: m.name,
      kind: m.kind,
      rows: m.shape[0],
      cols: m.shape[1],
      ...(m.kernel ? { kernel: m.kernel } : {}),
      rank: m.rank,
      alpha: m.alpha,
      scale: m.scale,
      scaleRule: m.scaleRule,
      block,
      depth: block === null ? null : (depths.get(block) ?? null),
      moduleType,
      family: familyOf(moduleType, m.kind),
      hasMixer: m.factors?.type === 'lowRank' && m.factors.mixer !== undefined,
      ...structureOf(m, shapeOf),
      warnings: m.warnings,
    };
  });
}

/** A LoKr's Kronecker sides, or a LoHa's rank bound: what explains a rank above r. */
function structureOf(m: AdaptedModule, shapeOf: (tensor: string) => readonly number[] | undefined): { structure?: LayerStructure } {
  const factors = m.factors;
  if (factors?.type === 'hadamard') return { structure: { algorithm: 'LoHa', maxRank: m.maxRank } };
  if (factors?.type !== 'kronecker') return {};
  const side = (s: KroneckerSide, [rows, cols]: readonly [number, number]): KroneckerSidePayload => {
    if ('full' in s) return { rows, cols, rank: Math.min(rows, cols), full: true };
    // The pair's A (lokr_wN_b) is stored [rank, cols, …kernel] with or without a Tucker core.
    const rank = shapeOf(s.A.tensor)?.[0] ?? m.rank;
    return { rows, cols, rank, full: false };
  };
  return { structure: { algorithm: 'LoKr', maxRank: m.maxRank, kronecker: { w1: side(factors.w1, factors.w1Shape), w2: side(factors.w2, factors.w2Shape) } } };
}

/** One module's result for the webview, with the mixer M and σ(M) the analysis found. */
export function layerAnalysisOf(result: ModuleResult, index: number): LayerAnalysis {
  if (result.status === 'skipped') return { index, status: 'skipped', reason: result.reason };
  const { metrics } = result;
  return {
    index,
    status: 'ok',
    singularValues: result.singularValues,
    metrics: {
      frobenius: metrics.frobenius,
      sigma1: metrics.sigma1,
      effectiveRank: metrics.effectiveRank,
      stableRank: metrics.stableRank,
      r90: metrics.r90,
      r95: metrics.r95,
      r99: metrics.r99,
      utilization: metrics.utilization,
      dominanceRatio: metrics.dominanceRatio,
      topEnergy: metrics.topEnergy,
    },
    core: result.core ? { rows: result.core.rows, cols: result.core.cols, values: result.core.data } : null,
    mixer: result.mixer ? mixerPayloadOf(result.mixer) : null,
    ...(result.learnedAllocation
      ? { learnedAllocation: { learnedRank: result.learnedAllocation.learnedRank, storedRank: result.learnedAllocation.storedRank, ranknum: result.learnedAllocation.ranknum } }
      : {}),
    warnings: result.warnings,
  };
}

/** The worker's device report, in the webview's terms. */
export function computeInfoOf(device: DeviceReport): ComputeInfo {
  return { backend: device.backend, provider: device.provider ?? null, threads: device.threads ?? null, fallbackReason: device.fallbackReason ?? null };
}

function mixerPayloadOf(mixer: MixerAnalysis): MixerPayload {
  return { rows: mixer.rows, cols: mixer.cols, values: mixer.values, singularValues: mixer.singularValues, init: mixer.init };
}

function displayEntry(entry: MetadataEntry): DisplayEntry {
  return entry.parsed === undefined ? { key: entry.key, label: entry.label, value: entry.value } : { key: entry.key, label: entry.label, value: entry.value, json: entry.parsed };
}

function configEntry(key: string, value: unknown): DisplayEntry {
  if (typeof value === 'string') return { key, label: key, value };
  const text = JSON.stringify(value) ?? String(value);
  return typeof value === 'object' && value !== null ? { key, label: key, value: text, json: value } : { key, label: key, value: text };
}

function mostCommonFirst(values: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([v]) => v);
}
