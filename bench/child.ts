import { open } from 'node:fs/promises';
import { openAdapter } from '../src/core/adapter/load';
import { analyzeAdapter } from '../src/core/analysis/analyze';
import { buildReport } from '../src/core/report/report';

/**
 * One measurement in a process of its own, so its peak RSS is its own. Prints one JSON line.
 *   child.js read FILE      the read floor: every byte of the file, in 16 MB reads
 *   child.js header PATH    header + layer table only, in a cold process (what a user waits for)
 *   child.js analyze PATH   header + layer table, then the full analysis
 */
async function main(mode: string, path: string): Promise<void> {
  if (mode === 'read') {
    const started = performance.now();
    const handle = await open(path, 'r');
    const buffer = new Uint8Array(16 * 1024 * 1024);
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, total);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    await handle.close();
    emit({ seconds: (performance.now() - started) / 1000, bytes: total });
    return;
  }
  const started = performance.now();
  const opened = await openAdapter(path);
  const table = buildReport(opened.adapter, null);
  const headerSeconds = (performance.now() - started) / 1000;
  if (mode === 'header') {
    await opened.file.close();
    emit({ headerSeconds, modules: table.modules.length });
    return;
  }
  const analysisStarted = performance.now();
  const analysis = await analyzeAdapter(opened);
  const analysisSeconds = (performance.now() - analysisStarted) / 1000;
  await opened.file.close();
  let sigmaSum = 0;
  let largestFactorBytes = 0;
  for (const m of analysis.modules) if (m.status === 'ok') for (const s of m.singularValues) sigmaSum += s;
  for (const m of opened.adapter.modules) largestFactorBytes = Math.max(largestFactorBytes, (m.shape[0] + m.shape[1]) * m.rank * 8);
  emit({ headerSeconds, analysisSeconds, modules: table.modules.length, sigmaSum, largestFactorBytes, backend: analysis.backend });
}

function emit(values: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...values, peakRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
}

void main(process.argv[2], process.argv[3]);
