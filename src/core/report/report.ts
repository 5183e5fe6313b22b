import { withPieceNorms } from '../adapter/fullRankPieces';
import { describeMetadata, type MetadataEntry } from '../adapter/metadata';
import type { Adapter, OtherTensor } from '../adapter/model';
import type { AdapterAnalysis, MagnitudeSummary } from '../analysis/analyze';
import type { MixerAnalysis } from '../analysis/mixer';
import type { MixerInitComparison } from '../analysis/mixerInit';
import type { LearnedAllocation } from '../analysis/learnedAllocation';
import type { DeviceReport } from '../compute/worker/protocol';
import type { ContainerKind } from '../container/source';

/**
 * The `--json` contract later tools rely on. Field names are stable; new fields may be added.
 * Numbers that do not exist (metrics of a skipped module, σ1/σ2 with σ2 = 0) are null.
 */
export interface ReportJson {
  readonly file: string;
  /** The file's container: safetensors, pytorch-zip, pytorch-legacy or gguf. */
  readonly container: ContainerKind;
  readonly format: Adapter['format'];
  readonly formatDetail: string;
  readonly peftType: string | null;
  readonly baseModel: string | null;
  readonly analysable: boolean;
  readonly backend: string | null;
  /** What ran the products: provider, threads, why CUDA was not used, Householder fallbacks. */
  readonly compute: DeviceReport | null;
  readonly summary: ReportSummary;
  readonly modules: readonly ModuleJson[];
  readonly otherTensors: readonly OtherTensor[];
  readonly warnings: readonly string[];
  readonly metadata: Readonly<Record<string, string>> | null;
  /** The same metadata for display: well-known keys first, labelled, JSON-holding values parsed. */
  readonly metadataEntries: readonly MetadataEntry[];
  readonly configFile: string | null;
}

export interface ReportSummary {
  readonly modules: number;
  readonly analysed: number;
  readonly skipped: number;
  /** Parameters stored in the adapter's factor tensors (other tensors not counted). */
  readonly adapterParameters: number;
  /** Tensor count by dtype, over the whole file. */
  readonly dtypes: Readonly<Record<string, number>>;
}

export interface ModuleJson {
  readonly name: string;
  readonly kind: string;
  readonly shape: readonly [number, number];
  readonly kernel?: readonly number[];
  readonly rank: number;
  readonly maxRank: number;
  readonly alpha: number | null;
  readonly scale: number;
  readonly scaleRule: string;
  readonly scaleKnown: boolean;
  readonly tensors: Readonly<Record<string, string>>;
  readonly status: 'ok' | 'skipped' | 'pending';
  readonly singularValues: number[] | null;
  readonly frobenius: number | null;
  readonly sigma1: number | null;
  readonly effectiveRank: number | null;
  readonly stableRank: number | null;
  readonly r90: number | null;
  readonly r95: number | null;
  readonly r99: number | null;
  readonly utilization: number | null;
  readonly dominanceRatio: number | null;
  readonly topEnergy: number | null;
  /** σ-above-mean rank, #{i : σ_i ≥ mean σ}. */
  readonly aboveMeanRank: number | null;
  /** @deprecated The same number as `aboveMeanRank`, under its old name (it was never AutoLoRA's). */
  readonly autoRank: number | null;
  readonly magnitude?: MagnitudeSummary;
  /** MoSLoRA's mixer M as stored; present only for modules that have one. */
  readonly mixer?: MixerJson;
  /**
   * AdaLoRA's learned allocation from its own E values (`learnedRank` = #{E_i ≠ 0}), present only
   * for modules that store them; the σ-above-mean rank is a rule on the spectrum, this is what training chose.
   */
  readonly learnedAllocation?: LearnedAllocationJson;
  readonly warnings: readonly string[];
}

/**
 * A stored MoSLoRA mixer. M is not identifiable ((B·R, R⁻¹·M·S, S⁻¹·A) gives the same ΔW), so
 * `matrix`, `singularValues` and `condition` depend on an arbitrary basis; `init` places M
 * against the distribution MoSLoRA draws it from. ΔW's spectrum is the invariant.
 */
export interface MixerJson {
  readonly rows: number;
  readonly cols: number;
  /** M row by row, as stored. */
  readonly matrix: number[][];
  /** σ(M), descending. */
  readonly singularValues: number[];
  /** σ1/σ_r, null when σ_r = 0. */
  readonly condition: number | null;
  readonly basisDependent: true;
  readonly init: MixerInitComparison;
}

/** A learned allocation with its values as a plain array. */
export type LearnedAllocationJson = Omit<LearnedAllocation, 'values'> & { readonly values: number[] };

function mixerJson(mixer: MixerAnalysis): MixerJson {
  const matrix = Array.from({ length: mixer.rows }, (_, i) => Array.from({ length: mixer.cols }, (_, j) => mixer.values[j * mixer.rows + i]));
  const sigma = Array.from(mixer.singularValues);
  const last = sigma.length > 0 ? sigma[sigma.length - 1] : 0;
  return { rows: mixer.rows, cols: mixer.cols, matrix, singularValues: sigma, condition: last > 0 ? sigma[0] / last : null, basisDependent: true, init: mixer.init };
}

/** Parameters in the adapter's factor tensors (other tensors not counted), and tensors by dtype over the whole file. */
export function tensorCounts(adapter: Adapter): { adapterParameters: number; dtypes: Record<string, number> } {
  const factorTensors = new Set(adapter.modules.flatMap((m) => Object.values(m.tensors)));
  let adapterParameters = 0;
  const dtypes: Record<string, number> = {};
  for (const t of adapter.header.tensors) {
    dtypes[t.dtype] = (dtypes[t.dtype] ?? 0) + 1;
    if (factorTensors.has(t.name)) adapterParameters += t.elements;
  }
  return { adapterParameters, dtypes };
}

/** Joins an adapter and (when computed) its analysis into the report object. */
export function buildReport(adapter: Adapter, analysis: AdapterAnalysis | null): ReportJson {
  const { adapterParameters, dtypes } = tensorCounts(adapter);
  const modules = adapter.modules.map((m, i): ModuleJson => {
    const result = analysis?.modules[i];
    const ok = result?.status === 'ok' ? result : undefined;
    const metric = <K extends keyof NonNullable<typeof ok>['metrics']>(key: K) => (ok ? ok.metrics[key] : null);
    const warnings = [...m.warnings, ...(ok ? ok.warnings : []), ...(result?.status === 'skipped' && m.factors ? [result.reason] : [])];
    return {
      name: m.name,
      kind: m.kind,
      shape: m.shape,
      ...(m.kernel ? { kernel: m.kernel } : {}),
      rank: m.rank,
      maxRank: m.maxRank,
      alpha: m.alpha,
      scale: m.scale,
      scaleRule: m.scaleRule,
      scaleKnown: m.scaleKnown,
      tensors: m.tensors,
      status: result ? result.status : 'pending',
      singularValues: ok ? Array.from(ok.singularValues) : null,
      frobenius: metric('frobenius'),
      sigma1: metric('sigma1'),
      effectiveRank: metric('effectiveRank'),
      stableRank: metric('stableRank'),
      r90: metric('r90'),
      r95: metric('r95'),
      r99: metric('r99'),
      utilization: metric('utilization'),
      dominanceRatio: metric('dominanceRatio'),
      topEnergy: metric('topEnergy'),
      aboveMeanRank: metric('aboveMeanRank'),
      autoRank: metric('aboveMeanRank'),
      ...(ok?.magnitude ? { magnitude: ok.magnitude } : {}),
      ...(ok?.mixer ? { mixer: mixerJson(ok.mixer) } : {}),
      ...(ok?.learnedAllocation ? { learnedAllocation: { ...ok.learnedAllocation, values: Array.from(ok.learnedAllocation.values) } } : {}),
      warnings,
    };
  });
  const analysed = modules.filter((m) => m.status === 'ok').length;
  return {
    file: adapter.file,
    container: adapter.container ?? 'safetensors',
    format: adapter.format,
    formatDetail: adapter.formatDetail,
    peftType: adapter.peftType,
    baseModel: adapter.baseModel,
    analysable: adapter.analysable,
    backend: analysis?.backend ?? null,
    compute: analysis?.device ?? null,
    summary: { modules: modules.length, analysed, skipped: modules.filter((m) => m.status === 'skipped').length, adapterParameters, dtypes },
    modules,
    // Full-rank pieces carry the norms the analysis read; before it, none.
    otherTensors: withPieceNorms(adapter.otherTensors, analysis?.pieceNorms),
    warnings: adapter.warnings,
    metadata: adapter.header.metadata,
    metadataEntries: describeMetadata(adapter.header.metadata),
    configFile: adapter.config?.file ?? null,
  };
}
