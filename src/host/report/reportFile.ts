import type { Adapter } from '../../core/adapter/model';
import type { AdapterAnalysis, ModuleResult } from '../../core/analysis/analyze';
import { reportCsv } from '../../core/report/csv';
import { jsonText } from '../../core/report/escape';
import { reportMarkdown } from '../../core/report/markdown';
import { buildReport, type ReportJson } from '../../core/report/report';
import type { ExportFormat } from '../../protocol/payloads';
import { weightFileStem } from '../../core/container/extensions';

export const FORMAT_EXTENSIONS: Readonly<Record<ExportFormat, string>> = { json: 'json', csv: 'csv', markdown: 'md' };

/** The report's file name beside the weights: `adapter_model.bin` → `adapter_model-report.md`, whatever the container. */
export function reportFileName(weightsName: string, format: ExportFormat): string {
  return `${weightFileStem(weightsName)}-report.${FORMAT_EXTENSIONS[format]}`;
}

/** The report of an adapter with what is known of its analysis (modules not yet done are `pending`). */
export function reportOf(adapter: Adapter, analysis: AdapterAnalysis | null, partial: readonly ModuleResult[] = []): ReportJson {
  if (analysis) return buildReport(adapter, analysis);
  if (partial.length === 0) return buildReport(adapter, null);
  return buildReport(adapter, { modules: partial, backend: 'partial', seconds: 0 });
}

/** The report as the file of that format holds it: the CLI's `--json`, `--csv` and `--markdown` output. */
export function reportContent(report: ReportJson, format: ExportFormat): string {
  switch (format) {
    case 'json':
      return `${jsonText(report, undefined, 2)}\n`;
    case 'csv':
      return reportCsv(report);
    case 'markdown':
      return reportMarkdown(report);
  }
}
