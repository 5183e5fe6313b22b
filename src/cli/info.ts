import { jsonText } from '../core/report/escape';
import { computeInfo } from '../core/report/computeInfo';
import { clean } from './table';
import type { InfoArgs } from './args';

/**
 * `lora-lens info`: onnxruntime's version, the providers this installation has, the provider
 * that actually runs for the chosen device (found by creating a session, as analyses do), and
 * its threads.
 */
export async function info(args: InfoArgs): Promise<string> {
  const report = await computeInfo(args.compute.device);
  if (args.json) return `${jsonText(report, undefined, 2)}\n`;
  const lines = [
    `onnxruntime   ${report.onnxruntime}`,
    ...report.providers.map((p, i) => `${i === 0 ? 'providers  ' : '           '}   ${p.name}: ${p.available ? 'available' : 'unavailable'} (${p.note})`),
    `device        ${report.device} → ${report.provider}${report.fallbackReason ? ` (${clean(report.fallbackReason)})` : ''}`,
    `threads       ${report.threads} intra-op of ${report.cores} cores`,
  ];
  return `${lines.join('\n')}\n`;
}
