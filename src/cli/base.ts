import type { BaseAnalysis, BaseModuleResult } from '../core/base/analyzeBase';
import type { BaseJobReport } from '../core/jobs/protocol';
import type { ReportJson } from '../core/report/report';
import { clean, shortName, textTable } from './table';

/** The `--base` part of `inspect --json`: the contract documented in docs/cli.md ("Against the base model"). */
export interface BaseJson {
  readonly path: string;
  readonly shards: readonly string[];
  readonly engine: string;
  readonly k: number;
  readonly kBase: number;
  readonly epsilon: number;
  /** CondLoRA cross-layer similarity per module type (two or more layers). */
  readonly conversionSimilarity: readonly {
    readonly moduleType: string;
    readonly modules: readonly string[];
    readonly cosines: readonly (readonly number[])[];
    readonly meanAbsOffDiagonal: number | null;
    readonly baselineRms: number;
  }[];
}

/** The `againstBase` JSON of a base job's result (the job ran in the analysis worker). */
export function baseJson(analysis: BaseAnalysis, base: BaseJobReport): BaseJson {
  return {
    path: base.path,
    shards: base.shards,
    engine: base.engine,
    k: analysis.k,
    kBase: analysis.kBase,
    epsilon: base.epsilon,
    conversionSimilarity: analysis.conversionGroups.map((g) => ({
      moduleType: g.moduleType,
      modules: g.names,
      cosines: Array.from({ length: g.cosines.rows }, (_, i) => Array.from({ length: g.cosines.cols }, (_, j) => g.cosines.data[j * g.cosines.rows + i])),
      meanAbsOffDiagonal: finite(g.meanAbsOffDiagonal),
      baselineRms: g.baselineRms,
    })),
  };
}

/** The report with `base` added to every module and `againstBase` at the top. */
export function withBase(report: ReportJson, analysis: BaseAnalysis, json: BaseJson): ReportJson & { againstBase: BaseJson } {
  const byName = new Map(analysis.modules.map((m) => [m.name, m]));
  const modules = report.modules.map((m) => {
    const result = byName.get(m.name);
    return { ...m, base: result ? moduleBaseJson(result) : { status: 'skipped', reason: 'not analysed' } };
  });
  return { ...report, modules, againstBase: json };
}

function moduleBaseJson(m: BaseModuleResult): Record<string, unknown> {
  if (m.status === 'skipped') return { status: 'skipped', reason: m.reason };
  const a = m.alignment;
  return {
    status: 'ok',
    weight: m.weight,
    transposed: m.transposed,
    singularValues: Array.from(m.baseValues),
    residualBound: m.baseResidualBound,
    alignment: {
      k: a.kBase,
      kDelta: a.kDelta,
      meanCosine: a.meanCosine,
      columnCosines: Array.from(a.columnCosines),
      rowCosines: Array.from(a.rowCosines),
      columnOverlap: a.columnOverlap,
      chanceColumnOverlap: a.chanceColumn,
    },
    amplification: finite(a.amplification),
    projectedNorm: a.projectedNorm,
    intruders: {
      count: m.intruders.count,
      indices: m.intruders.indices,
      bestCosines: Array.from(m.intruders.bestCosines),
      subspaceCosines: Array.from(m.intruders.subspaceCosines),
      uncertain: m.intruders.uncertain,
      vectorErrors: Array.from(m.intruders.vectorErrors),
      baseVectorErrors: Array.from(m.intruders.baseVectorErrors),
      k: m.intruders.k,
      kBase: m.intruders.kBase,
      epsilon: m.intruders.epsilon,
      tunedSingularValues: Array.from(m.intruders.tunedValues),
      tunedResidualBound: m.intruders.tunedResidualBound,
    },
    conversion: { method: m.conversion.method, rank: m.conversion.rank },
  };
}

/** The text table's base columns (a second table: the main one's layout belongs to the report module). */
export function baseText(analysis: BaseAnalysis, json: BaseJson): string {
  const rows = analysis.modules.map((m) =>
    m.status === 'ok'
      ? [
          shortName(m.name),
          m.alignment.meanCosine.toFixed(3),
          formatAmp(m.alignment.amplification),
          `${m.intruders.count}/${m.intruders.k}${m.intruders.uncertain > 0 ? ` (${m.intruders.uncertain}?)` : ''}`,
          shortName(m.weight) + (m.transposed ? ' (ᵀ)' : ''),
        ]
      : [shortName(m.name), '–', '–', '–', `skipped: ${clean(m.reason)}`],
  );
  const out = ['', `against the base model · ${clean(json.path)} · top-${json.k} of W0 (K = ${json.kBase}) · ε = ${json.epsilon} · ${json.engine}`, ''];
  for (const line of textTable(['module', 'align', 'amplif', 'intruders', 'base weight'], rows)) out.push(line);
  for (const g of json.conversionSimilarity) {
    out.push(
      '',
      `CondLoRA ${clean(g.moduleType)}: mean |cos| of conversions across ${g.modules.length} layers ${g.meanAbsOffDiagonal?.toFixed(3) ?? '–'} (random ≈ ${g.baselineRms.toPrecision(2)})`,
    );
  }
  return `${out.join('\n')}\n`;
}

function formatAmp(x: number): string {
  return Number.isFinite(x) ? (x >= 100 ? x.toExponential(2) : x.toFixed(2)) : '∞';
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
