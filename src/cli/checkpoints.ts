import { jsonText } from '../core/report/escape';
import { JobClient } from '../core/jobs/client';
import { formatNumber } from '../core/report/format';
import type { CheckpointSeries } from '../core/subspace/checkpoints';
import type { CheckpointsArgs } from './args';
import { workerScript } from './inspect';
import { progressReporter } from './progress';
import { referenceText } from './checkpointsReference';
import { clean, shortName, textTable } from './table';

/**
 * `lora-lens checkpoints PATH… | FOLDER`: every checkpoint's ΔW against the final one's, module
 * by module, run as the editor runs it: a job in the analysis worker; with `--reference`, each
 * checkpoint against the reference's u, v or ΔW too. Returns the text (or JSON) to print.
 */
export async function checkpoints(args: CheckpointsArgs): Promise<string> {
  const progress = progressReporter(process.stderr, args.quiet);
  const client = new JobClient(workerScript());
  let series: CheckpointSeries;
  try {
    const input = { paths: args.paths, ...(args.reference === undefined ? {} : { reference: args.reference }) };
    series = (await client.run('checkpoints', input, { onProgress: (p) => progress.update(p) })).output;
  } finally {
    progress.done();
    await client.dispose();
  }
  return args.json ? `${jsonText(series, undefined, 2)}\n` : checkpointsText(series);
}

function checkpointsText(s: CheckpointSeries): string {
  const out: string[] = [];
  const labels = s.checkpoints.map((c, i) => (c.step === null ? (i === s.checkpoints.length - 1 ? 'final' : `#${i + 1}`) : `step ${c.step}`));
  out.push('checkpoints (the last is the final one):');
  s.checkpoints.forEach((c, i) => out.push(`  ${labels[i].padEnd(12)}  ${clean(c.weights)}${c.stepSource === 'trainer_state' ? ' (step from trainer_state.json)' : ''}`));
  const earlier = labels.slice(0, -1);
  if (s.modules.length > 0) {
    const header = ['module', 'm×n', ...earlier.map((l) => `cos ${l}`), ...earlier.map((l) => `∠u1 ${l}`)];
    const rows = s.modules.map((m) => [
      shortName(m.name),
      m.shape.join('×'),
      ...earlier.map((_, t) => formatNumber(m.cosineToFinal[t])),
      ...earlier.map((_, t) => (m.topAngleToFinal[t] === null ? '–' : `${formatNumber(m.topAngleToFinal[t], 3)}°`)),
    ]);
    out.push('', ...textTable(header, rows));
  }
  if (s.unmatched.length > 0) {
    out.push('', 'not compared:');
    for (const u of s.unmatched) out.push(`  ${labels[u.checkpoint].padEnd(12)}  ${shortName(u.name)}: ${clean(u.reason)}`);
  }
  out.push(...referenceText(s, labels));
  if (s.warnings.length > 0) out.push('', 'warnings:', ...s.warnings.map((w) => `  - ${clean(w)}`));
  out.push('', "cos = cosine of the checkpoint's ΔW with the final ΔW; ∠u1 = angle between their top left singular vectors");
  return `${out.join('\n')}\n`;
}
