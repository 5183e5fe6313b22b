import { AnalysisClient } from '../core/compute/worker/client';
import { interpret, predictorOutputs } from '../core/predict/predictor/predictAdapter';
import { readPredictor } from '../core/predict/predictor/predictorDir';
import { PredictorSession } from '../core/predict/predictor/runPredictor';
import { workerScript } from './inspect';
import type { PredictArgs } from './predictorArgs';
import { clean } from './table';

/**
 * `lora-lens predict ADAPTER --predictor DIR`: the manifest is validated and the adapter's modules
 * checked against its layout before any analysis, so a mismatch exits 2 with no number printed.
 */
export async function predictCommand(args: PredictArgs): Promise<string> {
  const stored = await readPredictor(args.predictor);
  const session = await PredictorSession.create(stored.model, stored.manifest.model.kind);
  const client = new AnalysisClient(workerScript());
  try {
    const outputs = await predictorOutputs(args.adapter, stored.manifest, session, async (path, token) => (await client.analyze(path, args.compute, token ? { token } : {})).modules);
    const p = interpret(stored.manifest, outputs);
    if (args.json) return `${JSON.stringify({ predictor: stored.manifest.name, layout: stored.manifest.input.layout, prediction: p }, null, 2)}\n`;
    if (p.kind === 'regression') return `${clean(p.target)}: ${p.value.toPrecision(6)} (${clean(p.unit)}; trained on ${stored.manifest.output.kind === 'regression' ? stored.manifest.output.range.map((v) => v.toPrecision(4)).join('–') : ''})\n`;
    const rows = Object.entries(p.probabilities).map(([label, q]) => `  ${clean(label)}: ${q.toFixed(4)}`);
    return `${clean(p.target)}: ${clean(p.label)}\n${rows.join('\n')}\n`;
  } finally {
    await client.dispose();
    await session.dispose();
  }
}
