import { AnalysisClient } from '../core/compute/worker/client';
import { checkInvariance, INVARIANCE_TOLERANCE } from '../core/predict/predictor/invariance';
import { readPredictor } from '../core/predict/predictor/predictorDir';
import { PredictorSession } from '../core/predict/predictor/runPredictor';
import { workerScript } from './inspect';
import type { CheckInvarianceArgs } from './predictorArgs';

/**
 * `lora-lens check-invariance ADAPTER --predictor DIR [--trials N]`. Prints the largest relative
 * change; the exit status stays 0 either way (the number is the result, a failed check is not
 * an input error), so scripts read "invariant" from --json.
 */
export async function checkInvarianceCommand(args: CheckInvarianceArgs): Promise<string> {
  const stored = await readPredictor(args.predictor);
  const session = await PredictorSession.create(stored.model, stored.manifest.model.kind);
  const client = new AnalysisClient(workerScript());
  try {
    const report = await checkInvariance(args.adapter, stored.manifest, session, async (path, token) => (await client.analyze(path, args.compute, token ? { token } : {})).modules, args.trials, args.seed);
    if (args.json) return `${JSON.stringify({ predictor: stored.manifest.name, trials: report.trials, original: [...report.original], maxRelativeChange: report.maxRelativeChange, perTrial: report.perTrial, tolerance: INVARIANCE_TOLERANCE, invariant: report.invariant }, null, 2)}\n`;
    return `${report.trials} random GL(r) reparametrizations: largest relative change of the outputs ${report.maxRelativeChange.toExponential(2)} (${report.invariant ? 'invariant' : 'NOT invariant'} at ${INVARIANCE_TOLERANCE})\n`;
  } finally {
    await client.dispose();
    await session.dispose();
  }
}
