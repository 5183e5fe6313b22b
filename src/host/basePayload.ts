import { basename, dirname } from 'node:path';
import type { BaseAnalysis, BaseModuleResult } from '../core/base/analyzeBase';
import type { BaseJobReport } from '../core/jobs/protocol';
import type { PhiMap } from '../core/base/conversionSimilarity';
import type { BaseModelPayload, BaseModuleRow, PhiMapPayload } from '../protocol/basePayloads';
import { adapterLabel, modulePlaces } from './subspacePayloads';

type Analysed = Extract<BaseModuleResult, { status: 'ok' }>;

/**
 * The core's base analysis as the panel's payload: analysed modules as rows with typed-array
 * columns, skipped ones with their reasons, and the CondLoRA φ maps as dense matrices. Pure, so it
 * is unit-tested against the core result and the page test feeds the same conversion.
 */
export function baseModelPayload(adapterFile: string, analysis: BaseAnalysis, report: BaseJobReport, seconds: number): BaseModelPayload {
  const ok = analysis.modules.filter((m): m is Analysed => m.status === 'ok');
  // ΔW is m×n; C_A is m×r and C_B n×r, so the conversion matrices carry the shape.
  const places = modulePlaces(ok.map((m) => ({ name: m.name, shape: [m.conversion.CA.rows, m.conversion.CB.rows] as const })));
  const modules = ok.map((m, i): BaseModuleRow => ({
    ...places[i],
    weight: m.weight,
    transposed: m.transposed,
    conversionMethod: m.conversion.method,
    conversionRank: m.conversion.rank,
  }));
  const column = (pick: (m: Analysed) => number) => Float64Array.from(ok, pick);
  return {
    adapter: adapterLabel(adapterFile),
    base: { path: report.path, label: baseLabel(report.path), shards: [...report.shards], engine: report.engine, fallbackReason: report.fallbackReason ?? null },
    k: analysis.k,
    kBase: analysis.kBase,
    epsilon: report.epsilon,
    modules,
    columnCosine: column((m) => mean(m.alignment.columnCosines)),
    rowCosine: column((m) => mean(m.alignment.rowCosines)),
    meanCosine: column((m) => m.alignment.meanCosine),
    amplification: column((m) => m.alignment.amplification),
    intruders: column((m) => m.intruders.count),
    undetermined: column((m) => m.intruders.uncertain),
    intruderK: column((m) => m.intruders.k),
    skipped: analysis.modules.flatMap((m) => (m.status === 'skipped' ? [{ name: m.name, reason: m.reason }] : [])),
    conversionGroups: analysis.conversionGroups.map((g) => ({
      moduleType: g.moduleType,
      layers: [...g.names],
      phiA: phiPayload(g.phiA),
      phiB: phiPayload(g.phiB),
      sharedFitErrors: Float64Array.from(g.sharedFit.relativeErrors),
    })),
    seconds,
  };
}

function phiPayload(p: PhiMap): PhiMapPayload {
  return { map: { rows: p.map.rows, cols: p.map.cols, values: Float64Array.from(p.map.data) }, mean: p.mean, random: p.random };
}

/** How titles name a base: a sharded or diffusers model by its folder, not `model.safetensors.index.json`. */
export function baseLabel(path: string): string {
  return /\.json$/i.test(path) ? basename(dirname(path)) : basename(path);
}

/** Mean of a module's k′ cosines; NaN when ΔW had none (k′ = 0, a zero update). */
function mean(values: Float64Array): number {
  if (values.length === 0) return NaN;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}
