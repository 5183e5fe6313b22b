import { join } from 'node:path';
import { openAdapter } from '../core/adapter/load';
import type { AdapterAnalysis } from '../core/analysis/analyze';
import { resolveBaseLayout } from '../core/base/layout';
import { AnalysisClient } from '../core/compute/worker/client';
import { reportCsv } from '../core/report/csv';
import { reportMarkdown } from '../core/report/markdown';
import { buildReport } from '../core/report/report';
import { reportText } from '../core/report/text';
import type { InspectArgs } from './args';
import { analyzeBaseFor, baseText, withBase } from './base';
import { progressReporter } from './progress';
import { terminalWidth } from './table';

/** The sample adapter shipped with the tool, inspected when no path is given. */
export function samplePath(): string {
  // The bundle lives in dist/, the sample in media/samples/ beside it.
  return join(__dirname, '..', 'media', 'samples', 'roberta-mrpc-lora');
}

/** The analysis worker's script, beside this bundle in dist/. */
export function workerScript(): string {
  return join(__dirname, 'analysisWorker.js');
}

/**
 * Runs `inspect` and returns the text to print on stdout. The header and layer table are read
 * here; the analysis runs in the worker, which streams module results back (the same worker the
 * editor uses).
 */
export async function inspect(args: InspectArgs): Promise<string> {
  const path = args.path ?? samplePath();
  const opened = await openAdapter(path);
  await opened.file.close();
  // A bad --base fails before the adapter's analysis runs, not after it.
  if (args.base !== undefined) await resolveBaseLayout(args.base);
  let analysis: AdapterAnalysis | null = null;
  if (opened.adapter.analysable && opened.adapter.modules.length > 0) {
    const progress = progressReporter(process.stderr, args.quiet);
    const client = new AnalysisClient(workerScript());
    try {
      const outcome = await client.analyze(path, args.compute, {
        onModule: (result, index, total) => progress.update({ done: index + 1, total, module: result.name }),
      });
      analysis = { modules: outcome.modules, backend: outcome.device.backend, seconds: outcome.seconds, device: outcome.device };
    } finally {
      progress.done();
      await client.dispose();
    }
  }
  const report = buildReport(opened.adapter, analysis);
  const base = args.base !== undefined ? await analyzeBaseFor(path, { ...args, base: args.base }) : null;
  switch (args.output) {
    case 'json':
      return `${JSON.stringify(base ? withBase(report, base.analysis, base.json) : report, null, 2)}\n`;
    case 'csv':
      return reportCsv(report);
    case 'markdown':
      return reportMarkdown(report);
    case 'text':
      return reportText(report, { width: terminalWidth(), legend: true }) + (base ? baseText(base.analysis, base.json) : '');
  }
}
