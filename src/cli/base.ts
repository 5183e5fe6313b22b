import { openAdapter } from '../core/adapter/load';
import { analyzeAgainstBase, type BaseAnalysis, type BaseModuleResult } from '../core/base/analyzeBase';
import { BaseModel } from '../core/base/baseModel';
import { INTRUDER_EPSILON } from '../core/base/intruders';
import { JsDenseEngine, type DenseEngine } from '../core/compute/dense';
import { OrtDenseEngine } from '../core/compute/ort/ortDense';
import type { ReportJson } from '../core/report/report';
import type { InspectArgs } from './args';
import { progressReporter } from './progress';
import { shortName, textTable } from './table';

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

/** Runs the base-model analysis for `inspect --base` (in this process, one weight at a time). */
export async function analyzeBaseFor(path: string, args: InspectArgs & { readonly base: string }): Promise<{ analysis: BaseAnalysis; json: BaseJson }> {
  const base = await BaseModel.open(args.base);
  const opened = await openAdapter(path);
  const engine = makeEngine(args);
  const progress = progressReporter(process.stderr, args.quiet);
  try {
    const analysis = await analyzeAgainstBase(opened, base, engine, {
      k: args.k,
      onModule: (done, total) => progress.update({ done, total, module: '' }),
    });
    const json: BaseJson = {
      path: base.layout.path,
      shards: base.layout.shards.map((s) => s.path),
      engine: engine.name,
      k: analysis.k,
      kBase: analysis.kBase,
      epsilon: INTRUDER_EPSILON,
      conversionSimilarity: analysis.conversionGroups.map((g) => ({
        moduleType: g.moduleType,
        modules: g.names,
        cosines: Array.from({ length: g.cosines.rows }, (_, i) => Array.from({ length: g.cosines.cols }, (_, j) => g.cosines.data[j * g.cosines.rows + i])),
        meanAbsOffDiagonal: finite(g.meanAbsOffDiagonal),
        baselineRms: g.baselineRms,
      })),
    };
    return { analysis, json };
  } finally {
    progress.done();
    await engine.dispose();
    await opened.file.close();
    await base.close();
  }
}

/** `--backend js` is JS; otherwise onnxruntime on the chosen device, JS when `auto` cannot load it. */
function makeEngine(args: InspectArgs): DenseEngine {
  if (args.compute.backend === 'js') return new JsDenseEngine();
  try {
    return new OrtDenseEngine(args.compute.device);
  } catch (error) {
    if (args.compute.backend === 'onnxruntime') throw error;
    return new JsDenseEngine();
  }
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
      ? [shortName(m.name), m.alignment.meanCosine.toFixed(3), formatAmp(m.alignment.amplification), `${m.intruders.count}/${m.intruders.k}${m.intruders.uncertain > 0 ? ` (${m.intruders.uncertain}?)` : ''}`, shortName(m.weight) + (m.transposed ? ' (ᵀ)' : '')]
      : [shortName(m.name), '–', '–', '–', `skipped: ${m.reason}`],
  );
  const out = ['', `against the base model · ${json.path} · top-${json.k} of W0 (K = ${json.kBase}) · ε = ${json.epsilon} · ${json.engine}`, ''];
  out.push(...textTable(['module', 'align', 'amplif', 'intruders', 'base weight'], rows));
  for (const g of json.conversionSimilarity) {
    out.push('', `CondLoRA ${g.moduleType}: mean |cos| of conversions across ${g.modules.length} layers ${g.meanAbsOffDiagonal?.toFixed(3) ?? '–'} (random ≈ ${g.baselineRms.toPrecision(2)})`);
  }
  return `${out.join('\n')}\n`;
}

function formatAmp(x: number): string {
  return Number.isFinite(x) ? (x >= 100 ? x.toExponential(2) : x.toFixed(2)) : '∞';
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
