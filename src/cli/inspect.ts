import { join } from 'node:path';
import { openAdapter } from '../core/adapter/load';
import { analyzeAdapter } from '../core/analysis/analyze';
import { reportCsv } from '../core/report/csv';
import { reportMarkdown } from '../core/report/markdown';
import { buildReport } from '../core/report/report';
import { reportText } from '../core/report/text';
import type { InspectArgs } from './args';
import { progressReporter } from './progress';

/** The sample adapter shipped with the tool, inspected when no path is given. */
export function samplePath(): string {
  // The bundle lives in dist/, the sample in media/samples/ beside it.
  return join(__dirname, '..', 'media', 'samples', 'roberta-mrpc-lora');
}

/** Runs `inspect` and returns the text to print on stdout. */
export async function inspect(args: InspectArgs): Promise<string> {
  const opened = await openAdapter(args.path ?? samplePath());
  try {
    const progress = progressReporter(process.stderr, args.quiet || args.output !== 'text' && !process.stderr.isTTY);
    const analysis = opened.adapter.analysable ? await analyzeAdapter(opened, { onProgress: progress.update }) : null;
    progress.done();
    const report = buildReport(opened.adapter, analysis);
    switch (args.output) {
      case 'json':
        return `${JSON.stringify(report, null, 2)}\n`;
      case 'csv':
        return reportCsv(report);
      case 'markdown':
        return reportMarkdown(report);
      case 'text':
        return reportText(report);
    }
  } finally {
    await opened.file.close();
  }
}
