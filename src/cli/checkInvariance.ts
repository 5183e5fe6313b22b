import { jsonText } from '../core/report/escape';
import { JobClient } from '../core/jobs/client';
import { INVARIANCE_TOLERANCE } from '../core/predict/predictor/invariance';
import { openPredictor } from '../core/predict/predictor/loadPredictor';
import { workerScript } from './inspect';
import type { CheckInvarianceArgs } from './predictorArgs';
import { clean } from './table';

/**
 * `lora-lens check-invariance ADAPTER --predictor DIR [--trials N] [--device]`. Prints the
 * largest relative change over the random trials, each badly conditioned trial's change against
 * its tolerance (the condition numbers tried: CONDITION_NUMBERS), and the provider that ran the model; the exit status stays 0 either
 * way (the number is the result, a failed check is not an input error), so scripts read
 * "invariant" from --json.
 */
export async function checkInvarianceCommand(args: CheckInvarianceArgs): Promise<string> {
  const predictor = await openPredictor(args.predictor, { device: args.device });
  const client = new JobClient(workerScript());
  try {
    const report = await predictor.checkInvariance(
      args.adapter,
      async (path, token) => (await client.run('analyze', { path, options: args.compute }, token ? { token } : {})).output.modules,
      args.trials,
      args.seed,
    );
    const provider = predictor.provider;
    if (args.json)
      return `${jsonText(
        {
          predictor: predictor.manifest.name,
          model: predictor.manifest.model.kind,
          provider,
          trials: report.trials,
          original: [...report.original],
          maxRelativeChange: report.maxRelativeChange,
          perTrial: report.perTrial,
          tolerance: INVARIANCE_TOLERANCE,
          conditioned: report.conditioned,
          conditionedWithin: report.conditionedWithin,
          invariant: report.invariant,
        },
        undefined,
        2,
      )}\n`;
    const ran = `model ${predictor.manifest.model.kind} on ${provider.name}${provider.fallbackReason ? ` (${clean(provider.fallbackReason)})` : ''}`;
    const e = (v: number) => v.toExponential(1);
    const conditioned = report.conditioned.map(
      (c) => `cond ${c.cond.toExponential(0)}: ${e(c.maxRelativeChange)} (tolerance ${e(c.tolerance)}${c.withinTolerance ? '' : ', exceeded'})`,
    );
    return [
      `${report.trials} random GL(r) reparametrizations (cond(R) ≤ 4): largest relative change of the outputs ${report.maxRelativeChange.toExponential(2)} (tolerance ${INVARIANCE_TOLERANCE})`,
      `badly conditioned R = Q1·diag(1 … 1/cond)·Q2 per module, one trial each: ${conditioned.join(', ')}`,
      `${report.invariant ? 'invariant' : 'NOT invariant'}; badly conditioned R: ${report.conditionedWithin ? 'all within tolerance' : 'tolerance exceeded (float64 rounding, see the changes above)'}`,
      ran,
      '',
    ].join('\n');
  } finally {
    await client.dispose();
    await predictor.dispose();
  }
}
