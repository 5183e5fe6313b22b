import { jsonText } from '../core/report/escape';
import { join } from 'node:path';
import type { AdapterAnalysis } from '../core/analysis/analyze';
import type { JobRunner } from '../core/jobs/client';
import { InProcessJobs } from '../core/jobs/inProcess';
import type { JobOutput } from '../core/jobs/protocol';
import { reportCsv } from '../core/report/csv';
import { reportMarkdown } from '../core/report/markdown';
import { buildReport } from '../core/report/report';
import { reportText } from '../core/report/text';
import type { InspectArgs } from './args';
import { baseJson, baseText, withBase } from './base';
import { progressReporter } from './progress';
import { terminalWidth } from './table';

/** The sample adapter shipped with the tool, inspected when no path is given. */
function samplePath(): string {
  // The bundle lives in dist/, the sample in media/samples/ beside it.
  return join(__dirname, '..', 'media', 'samples', 'roberta-mrpc-lora');
}

/** The analysis worker's script, beside this bundle in dist/. */
export function workerScript(): string {
  return join(__dirname, 'analysisWorker.js');
}

/** The ORT worker's script, beside this bundle in dist/. */
export function ortWorkerScript(): string {
  return join(__dirname, 'ortWorker.js');
}

/**
 * Runs `inspect` and returns the text to print on stdout. Everything runs as one job (the job
 * the editor's worker runs), on this thread: the header is read once and serves the layer
 * table, the spectra and the base analysis.
 */
export async function inspect(args: InspectArgs, jobs: JobRunner = new InProcessJobs(ortWorkerScript())): Promise<string> {
  const path = args.path ?? samplePath();
  const analysing = progressReporter(process.stderr, args.quiet);
  const basing = progressReporter(process.stderr, args.quiet);
  let output: JobOutput<'inspect'>;
  try {
    const input = { path, options: args.compute, ...(args.base === undefined ? {} : { base: { path: args.base, ...(args.k === undefined ? {} : { k: args.k }) } }) };
    ({ output } = await jobs.run('inspect', input, {
      onProgress: (p) => {
        if (p.phase === 'analyze') return analysing.update({ done: p.index + 1, total: p.total, module: p.result.name });
        analysing.done();
        basing.update({ done: p.done, total: p.total, module: '' });
      },
    }));
  } finally {
    analysing.done();
    basing.done();
    await jobs.dispose();
  }
  const analysis: AdapterAnalysis | null = output.analysis && {
    modules: output.analysis.modules,
    backend: output.analysis.device.backend,
    seconds: output.analysis.seconds,
    device: output.analysis.device,
    ...(output.analysis.pieceNorms ? { pieceNorms: output.analysis.pieceNorms } : {}),
  };
  const base = output.base && { analysis: output.base.analysis, json: baseJson(output.base.analysis, output.base.base) };
  const report = buildReport(output.adapter, analysis);
  switch (args.output) {
    case 'json':
      return `${jsonText(base ? withBase(report, base.analysis, base.json) : report, undefined, 2)}\n`;
    case 'csv':
      return reportCsv(report);
    case 'markdown':
      return reportMarkdown(report);
    case 'text':
      return reportText(report, { width: terminalWidth(), legend: true }) + (base ? baseText(base.analysis, base.json) : '');
  }
}
