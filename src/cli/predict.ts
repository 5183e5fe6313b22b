import { jsonText } from '../core/report/escape';
import { JobClient } from '../core/jobs/client';
import { openPredictor } from '../core/predict/predictor/loadPredictor';
import { workerScript } from './inspect';
import type { PredictArgs } from './predictorArgs';
import { clean } from './table';

/**
 * `lora-lens predict ADAPTER --predictor DIR [--device]`: the manifest is validated and the
 * adapter's modules checked against its input before any analysis, so a mismatch exits 2 with
 * no number printed. The line after the prediction says which provider ran the model.
 */
export async function predictCommand(args: PredictArgs): Promise<string> {
  const predictor = await openPredictor(args.predictor, { device: args.device });
  const client = new JobClient(workerScript());
  try {
    const p = await predictor.predict(args.adapter, async (path, token) => (await client.run('analyze', { path, options: args.compute }, token ? { token } : {})).output.modules);
    const manifest = predictor.manifest;
    const provider = predictor.provider;
    if (args.json) return `${jsonText({ predictor: manifest.name, model: manifest.model.kind, layout: manifest.input.layout, provider, prediction: p }, undefined, 2)}\n`;
    const ran = `model ${manifest.model.kind} on ${provider.name}${provider.fallbackReason ? ` (${clean(provider.fallbackReason)})` : ''}`;
    if (p.kind === 'regression')
      return `${clean(p.target)}: ${p.value.toPrecision(6)} (${clean(p.unit)}; trained on ${manifest.output.kind === 'regression' ? manifest.output.range.map((v) => v.toPrecision(4)).join('–') : ''})\n${ran}\n`;
    const rows = Object.entries(p.probabilities).map(([label, q]) => `  ${clean(label)}: ${q.toFixed(4)}`);
    return `${clean(p.target)}: ${clean(p.label)}\n${rows.join('\n')}\n${ran}\n`;
  } finally {
    await client.dispose();
    await predictor.dispose();
  }
}
