import type { ConvergencePayload } from '../../src/protocol/subspacePayloads';
import type { LineInput } from './lineChartModel';
import { moduleTypesOf, ofType } from './moduleTypes';

/** Against the final checkpoint (cosine, angle) or, with a reference chosen, against the reference. */
export type ConvergenceMetric = 'cosine' | 'angle' | ReferenceMetric;
export type ReferenceMetric = 'alignmentU' | 'alignmentV' | 'recoveryError';

export interface ConvergenceLines {
  readonly lines: readonly LineInput[];
  /** `step` when every checkpoint has a step, else `checkpoint` (their index in training order). */
  readonly xLabel: string;
  readonly legend: readonly { readonly label: string; readonly slot: number }[];
}

/**
 * One line per module (of `moduleType`, null: all): cosine to the final ΔW, or the top
 * singular vector's angle to the final one in degrees, against the step; with a reference, a
 * module's alignment with u or v or its recovery error (modules without a reference entry are
 * left out: their rows are all NaN). Lines are coloured by module type, so q and v (say) read
 * apart even with every layer shown. A reference metric without a reference gives no lines.
 */
export function convergenceLines(payload: ConvergencePayload, metric: ConvergenceMetric, moduleType: string | null): ConvergenceLines {
  const steps = payload.checkpoints.map((c) => c.step);
  const bySteps = steps.every((s) => s !== null);
  const xs = Float64Array.from(steps, (s, i) => (bySteps ? (s ?? i) : i));
  const types = moduleTypesOf(payload.modules);
  const matrix = metric === 'cosine' ? payload.cosineToFinal : metric === 'angle' ? payload.topAngleToFinal : payload.reference?.[metric];
  const T = payload.checkpoints.length;
  const lines: LineInput[] = [];
  payload.modules.forEach((module, i) => {
    if (!matrix || !ofType(module, moduleType)) return;
    const ys = new Float64Array(T);
    for (let t = 0; t < T; t++) ys[t] = matrix.values[t * matrix.rows + i];
    if (metric !== 'cosine' && metric !== 'angle' && ys.every((y) => Number.isNaN(y))) return;
    lines.push({ key: module.name, label: module.name, slot: types.indexOf(module.moduleType), xs, ys });
  });
  const shown = moduleType === null ? types : [moduleType];
  return { lines, xLabel: bySteps ? 'step' : 'checkpoint', legend: shown.map((t) => ({ label: t, slot: types.indexOf(t) })) };
}
