import { jsonText } from '../core/report/escape';
import { JobClient } from '../core/jobs/client';
import { modelRows, modelTable } from '../core/predict/predictor/modelTable';
import { trainPredictor } from '../core/predict/predictor/trainPredictor';
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
