import { availableParallelism } from 'node:os';
import { gramGraph } from '../core/compute/onnx/graphs';
import { OrtSessions, ortInfo } from '../core/compute/ort/runtime';
import type { InfoArgs } from './args';

/**
 * `lora-lens info`: onnxruntime's version, the providers this installation has, the provider
 * that actually runs for the chosen device (found by creating a session, as analyses do), and
 * its threads.
 */
export async function info(args: InfoArgs): Promise<string> {
  const installed = ortInfo();
  const sessions = new OrtSessions(args.compute.device);
  try {
    await sessions.session(gramGraph('double', 'tall'));
  } finally {
    await sessions.dispose();
  }
  const report = {
    onnxruntime: installed.version,
    providers: installed.providers,
    device: args.compute.device,
    provider: sessions.provider ?? null,
    fallbackReason: sessions.fallbackReason ?? null,
    threads: sessions.threads,
    cores: availableParallelism(),
  };
  if (args.json) return `${JSON.stringify(report, null, 2)}\n`;
  const lines = [
    `onnxruntime   ${report.onnxruntime}`,
    ...installed.providers.map((p, i) => `${i === 0 ? 'providers  ' : '           '}   ${p.name}: ${p.available ? 'available' : 'unavailable'} (${p.note})`),
    `device        ${report.device} → ${report.provider}${report.fallbackReason ? ` (${report.fallbackReason})` : ''}`,
    `threads       ${report.threads} intra-op of ${report.cores} cores`,
  ];
  return `${lines.join('\n')}\n`;
}
