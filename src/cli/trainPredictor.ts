import { jsonText } from '../core/report/escape';
import { JobClient } from '../core/jobs/client';
import type { CvMetrics } from '../core/predict/predictor/crossValidate';
import { BASELINE_SEES } from '../core/predict/predictor/baselines/runBaselines';
import { trainPredictor, type TrainSummary } from '../core/predict/predictor/trainPredictor';
import { workerScript } from './inspect';
import type { TrainPredictorArgs } from './predictorArgs';
import { stepProgress } from './progress';
import { clean } from './table';

/**
 * `lora-lens train-predictor`: featurizes the labelled adapters through the analysis worker
 * (as scan does), cross-validates, and writes the predictor folder when --out is given.
 * Skipped rows go to stderr even with --quiet (they are results); the CV table to stdout.
 */
export async function trainPredictorCommand(args: TrainPredictorArgs): Promise<string> {
  const client = new JobClient(workerScript());
  const progress = stepProgress(process.stderr, args.quiet);
  let analysed = 0;
  try {
    const summary = await trainPredictor({
      zoo: args.zoo,
      labels: args.labels,
      target: args.target,
      kind: args.model,
      task: args.task,
      ...(args.model === 'mlp' || args.model === 'glnet' ? { hidden: args.hidden, epochs: args.epochs } : {}),
      folds: args.folds,
      seed: args.seed,
      ...(args.k === undefined ? {} : { k: args.k }),
      ...(args.out === undefined ? {} : { out: args.out }),
      force: args.force,
      baselines: args.baselines,
      analyze: async (path, token) => {
        progress(`train-predictor: analysing adapter ${++analysed}: ${clean(path)}`);
        const modules = (await client.run('analyze', { path, options: args.compute }, token ? { token } : {})).output.modules;
        // After the last adapter the folds are fitted; say so rather than leave the last path up.
        progress(
          `train-predictor: ${analysed} adapters analysed; fitting ${args.model} (${args.folds}-fold CV, ${args.baselines === 'all' ? 'baselines' : 'baseline'}, final fit)`,
        );
        return modules;
      },
      onSkip: (adapter, reason) => {
        progress(null);
        process.stderr.write(`skipped ${clean(adapter)}: ${clean(reason)}\n`);
      },
    });
    const rows = modelRows(summary, args.model);
    if (args.json)
      return `${jsonText({ adapters: summary.adapters, skipped: summary.skipped, out: args.out ?? null, models: rows, manifest: summary.manifest }, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
    const head = `${args.model}${args.model === 'mlp' || args.model === 'glnet' ? ` ${args.task}` : ''} on ${summary.adapters} adapters (${summary.skipped.length} skipped), target ${clean(args.target)}, ${summary.cv.folds}-fold CV, layout ${summary.manifest.input.layout}`;
    const lines = [head, ...modelTable(rows), args.out === undefined ? 'no --out: nothing written' : `wrote ${clean(args.out)} (model.onnx, manifest.json)`];
    return `${lines.join('\n')}\n`;
  } finally {
    progress(null);
    await client.dispose();
  }
}

/** One row of the comparison: a model, what it reads, its CV as stored and reparametrized (null: the input is invariant, so the same). */
interface ModelRow {
  readonly model: string;
  readonly sees: string;
  readonly cv: CvMetrics;
  readonly cvReparametrized: CvMetrics | null;
}

/**
 * The model, then the baselines. The feature models' inputs are spectra of ΔW, unchanged by
 * (B·R, R⁻¹·A) up to rounding, so their reparametrized score is the stored one: shown as such
 * rather than recomputed (that would re-analyse every held-out adapter).
 */
function modelRows(summary: TrainSummary, model: string): ModelRow[] {
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
function modelTable(rows: readonly ModelRow[]): string[] {
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
