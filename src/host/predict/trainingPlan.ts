import { join } from 'node:path';
import type { CvMetrics } from '../../core/predict/predictor/crossValidate';
import type { TrainSummary } from '../../core/predict/predictor/trainPredictor';
import { parseCsv } from '../../core/predict/csvCells';
import { modelRows, modelTable } from '../../core/predict/predictor/modelTable';
import { WORKSPACE_PREDICTORS } from './predictorPaths';

/** A target column of labels.csv as the column picker describes it. */
export interface LabelColumn {
  readonly name: string;
  /** Rows with a value in this column. */
  readonly filled: number;
  /** Every filled value is a finite number (a regression target); otherwise only classes make sense. */
  readonly numeric: boolean;
  readonly distinct: number;
}

export interface LabelsTable {
  /** Data rows (blank lines left out). */
  readonly rows: number;
  /** Columns other than `adapter`, in file order. */
  readonly targets: readonly LabelColumn[];
}

/**
 * The header and a short description of each target column of labels.csv text; null when the
 * text is not CSV or has no `adapter` column (train-predictor would refuse it the same way).
 */
export function labelsTable(text: string): LabelsTable | null {
  const table = parseCsv(text);
  if (!table || table.length === 0) return null;
  const [header, ...body] = table;
  if (!header.includes('adapter')) return null;
  const rows = body.filter((r) => !(r.length === 1 && r[0] === ''));
  const targets = header.flatMap((name, column) => {
    if (name === 'adapter' || name.trim() === '') return [];
    const values = rows.map((r) => (r[column] ?? '').trim()).filter((v) => v !== '');
    return [{ name, filled: values.length, numeric: values.length > 0 && values.every((v) => Number.isFinite(Number(v))), distinct: new Set(values).size }];
  });
  return { rows: rows.length, targets };
}

/**
 * The default folder for a new predictor: `<root>/.lora-lens/predictors/<target>-<model>`. The
 * column name comes from a file: anything but letters, digits, `.`, `_` and `-` becomes `_`, and
 * a leading dot is dropped, so the name stays one visible folder below the predictors folder.
 */
export function defaultPredictorDir(root: string, target: string, model: string): string {
  const safe = `${target}-${model}`.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '');
  return join(root, WORKSPACE_PREDICTORS, safe || 'predictor');
}

/** The CV table the CLI prints, as lines: the chosen model beside its baselines. */
export function summaryLines(summary: TrainSummary, out: string): string[] {
  const m = summary.manifest;
  return [
    `${m.model.kind} on ${summary.adapters} adapters (${summary.skipped.length} skipped), target ${m.output.target}, ${summary.cv.folds}-fold CV, layout ${m.input.layout}`,
    ...modelTable(modelRows(summary, m.model.kind)),
    ...summary.skipped.map((s) => `  skipped ${s.adapter}: ${s.reason}`),
    `wrote ${out} (model.onnx, manifest.json)`,
  ];
}

/** "R² 0.277, τ 0.404" or "accuracy 0.917, AUC 0.950"; n/a for a metric that was undefined. */
export function metricsText(m: CvMetrics): string {
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
  return m.kind === 'regression' ? `R² ${f(m.r2)}, Kendall τ ${f(m.kendallTau)}` : `accuracy ${f(m.accuracy)}, AUC ${f(m.auc)}`;
}
