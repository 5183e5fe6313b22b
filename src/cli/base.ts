import type { BaseAnalysis, BaseModuleResult } from '../core/base/analyzeBase';
import type { PhiMap } from '../core/base/conversionSimilarity';
import type { BaseJobReport, DenseDeviceReport } from '../core/jobs/protocol';
import type { ReportJson } from '../core/report/report';
import { clean, shortName, textTable } from './table';

/** The `--base` part of `inspect --json`: the contract documented in docs/cli.md ("Against the base model"). */
export interface BaseJson {
  readonly path: string;
  readonly shards: readonly string[];
  readonly engine: string;
  /** Where W0's products ran and in what precision (float32 on WebGPU); devices `auto` passed over, with why. */
  readonly device: DenseDeviceReport;
  readonly k: number;
  readonly kBase: number;
  readonly epsilon: number;
  /** CondLoRA per module type with two or more layers of one shape (docs/analyses.md, "CondLoRA"). */
  readonly condLora: readonly CondLoraJson[];
}

/** φ between layers' conversion matrices of one factor: mean over pairs i < j, its random baseline, the L×L map. */
export interface PhiJson {
  readonly mean: number | null;
  readonly random: number | null;
  readonly map: readonly (readonly (number | null)[])[];
}

export interface CondLoraJson {
  readonly moduleType: string;
  readonly modules: readonly string[];
  readonly phiA: PhiJson;
  readonly phiB: PhiJson;
  /** One shared conversion fitted across layers: each layer's relative error (both factors, then A and B alone). */
  readonly sharedFit: {
    readonly relativeErrors: readonly (number | null)[];
    readonly relativeErrorsA: readonly (number | null)[];
    readonly relativeErrorsB: readonly (number | null)[];
  };
}

/** The `againstBase` JSON of a base job's result (the job ran in the analysis worker). */
export function baseJson(analysis: BaseAnalysis, base: BaseJobReport): BaseJson {
  return {
    path: base.path,
    shards: base.shards,
    engine: base.engine,
    device: base.device,
    k: analysis.k,
    kBase: analysis.kBase,
    epsilon: base.epsilon,
    condLora: analysis.conversionGroups.map((g) => ({
      moduleType: g.moduleType,
      modules: g.names,
      phiA: phiJson(g.phiA),
      phiB: phiJson(g.phiB),
      sharedFit: {
        relativeErrors: Array.from(g.sharedFit.relativeErrors, finite),
        relativeErrorsA: Array.from(g.sharedFit.relativeErrorsA, finite),
        relativeErrorsB: Array.from(g.sharedFit.relativeErrorsB, finite),
      },
    })),
  };
}

function phiJson(p: PhiMap): PhiJson {
  const { rows, cols, data } = p.map;
  return {
    mean: finite(p.mean),
    random: finite(p.random),
    map: Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => finite(data[j * rows + i]))),
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
    conversion: {
      method: m.conversion.method,
      rank: m.conversion.rank,
      aForm: m.conversion.aForm,
      residualA: finite(m.conversion.residualA),
      residualB: finite(m.conversion.residualB),
    },
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
  const out = [
    '',
    `against the base model · ${clean(json.path)} · top-${json.k} of W0 (K = ${json.kBase}) · ε = ${json.epsilon} · ${json.engine} · device ${clean(json.device.text)}`,
    '',
  ];
  for (const line of textTable(['module', 'align', 'amplif', 'intruders', 'base weight'], rows)) out.push(line);
  if (json.condLora.length > 0) out.push('');
  for (const g of json.condLora) out.push(condLoraLine(g));
  return `${out.join('\n')}\n`;
}

/** One line per module type: the paper's φ for A and B against chance, and the shared fit's median error. */
function condLoraLine(g: CondLoraJson): string {
  const f = (x: number | null) => (x === null ? '–' : x.toFixed(3));
  const errors = g.sharedFit.relativeErrors.filter((x): x is number => x !== null).sort((a, b) => a - b);
  const median = errors.length > 0 ? errors[(errors.length - 1) >> 1] : null;
  return (
    `CondLoRA ${clean(g.moduleType)} (${g.modules.length} layers): φ_A ${f(g.phiA.mean)} (random ${f(g.phiA.random)}), ` +
    `φ_B ${f(g.phiB.mean)} (random ${f(g.phiB.random)}), one shared conversion: median relative error ${f(median)}`
  );
}

function formatAmp(x: number): string {
  return Number.isFinite(x) ? (x >= 100 ? x.toExponential(2) : x.toFixed(2)) : '∞';
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
