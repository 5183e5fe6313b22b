import type { ConvergencePayload } from '../../src/protocol/subspacePayloads';
import type { LineInput } from './lineChartModel';
import { moduleTypesOf, ofType } from './moduleTypes';

export type ConvergenceMetric = 'cosine' | 'angle';

export interface ConvergenceLines {
  readonly lines: readonly LineInput[];
  /** `step` when every checkpoint has a step, else `checkpoint` (their index in training order). */
  readonly xLabel: string;
  readonly legend: readonly { readonly label: string; readonly slot: number }[];
}

/**
 * One line per module (of `moduleType`, null: all): cosine to the final ΔW, or the top
 * singular vector's angle to the final one in degrees, against the step. Lines are coloured by
 * module type, so q and v (say) read apart even with every layer shown.
 */
export function convergenceLines(payload: ConvergencePayload, metric: ConvergenceMetric, moduleType: string | null): ConvergenceLines {
  const steps = payload.checkpoints.map((c) => c.step);
  const bySteps = steps.every((s) => s !== null);
  const xs = Float64Array.from(steps, (s, i) => (bySteps ? (s ?? i) : i));
  const types = moduleTypesOf(payload.modules);
  const matrix = metric === 'cosine' ? payload.cosineToFinal : payload.topAngleToFinal;
  const T = payload.checkpoints.length;
  const lines: LineInput[] = [];
  payload.modules.forEach((module, i) => {
    if (!ofType(module, moduleType)) return;
    const ys = new Float64Array(T);
    for (let t = 0; t < T; t++) ys[t] = matrix.values[t * matrix.rows + i];
    lines.push({ key: module.name, label: module.name, slot: types.indexOf(module.moduleType), xs, ys });
  });
  const shown = moduleType === null ? types : [moduleType];
  return { lines, xLabel: bySteps ? 'step' : 'checkpoint', legend: shown.map((t) => ({ label: t, slot: types.indexOf(t) })) };
}
