import { BASELINE_SEES } from './baselines/runBaselines';
import type { CvMetrics } from './crossValidate';
import type { TrainSummary } from './trainPredictor';

/** One row of the comparison: a model, what it reads, its CV as stored and reparametrized (null: the input is invariant, so the same). */
export interface ModelRow {
  readonly model: string;
  readonly sees: string;
  readonly cv: CvMetrics;
  readonly cvReparametrized: CvMetrics | null;
}

/**
 * The model, then the baselines, as train-predictor prints them (CLI and editor alike). The
 * feature models' inputs are spectra of ΔW, unchanged by (B·R, R⁻¹·A) up to rounding, so their
 * reparametrized score is the stored one: shown as such rather than recomputed (that would
 * re-analyse every held-out adapter).
 */
export function modelRows(summary: TrainSummary, model: string): ModelRow[] {
  const linear = summary.cv.kind === 'regression' ? 'ridge' : 'logistic';
  return [
    model === 'glnet'
      ? { model: 'glnet', sees: 'U = s·B, V = Aᵀ (equivariant)', cv: summary.cv, cvReparametrized: summary.cvReparametrized ?? null }
      : { model, sees: 'invariant spectra of ΔW', cv: summary.cv, cvReparametrized: null },
    { model: `${linear}-flat`, sees: 'flattened B, A', cv: summary.baseline, cvReparametrized: summary.baselineReparametrized },
    ...summary.baselines.map((b) => ({ model: b.name, sees: BASELINE_SEES[b.name], cv: b.cv, cvReparametrized: b.cvReparametrized })),
  ];
}

/** model | sees | held-out (stored) | held-out (reparametrized), columns padded. */
export function modelTable(rows: readonly ModelRow[]): string[] {
  const cells = rows.map((r) => [r.model, r.sees, metrics(r.cv), r.cvReparametrized ? metrics(r.cvReparametrized) : 'same (invariant input)']);
  const header = ['model', 'sees', 'held-out (stored)', 'held-out (reparametrized)'];
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((r) => r[c].length)));
  const line = (r: readonly string[]) =>
    `  ${r
      .map((cell, c) => cell.padEnd(widths[c]))
      .join('  ')
      .trimEnd()}`;
  return [line(header), ...cells.map(line)];
}

function metrics(m: CvMetrics): string {
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(3).padStart(7) : '    n/a');
  return m.kind === 'regression' ? `R² ${f(m.r2)}  Kendall τ ${f(m.kendallTau)}` : `accuracy ${f(m.accuracy)}  AUC ${f(m.auc)}`;
}
