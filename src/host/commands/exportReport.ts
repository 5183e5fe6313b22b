import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { Adapter } from '../../core/adapter/model';
import { ADAPTER_DIALOG_FILTERS } from '../../core/container/extensions';
import type { AdapterAnalysis, ModuleResult } from '../../core/analysis/analyze';
import type { ExportFormat } from '../../protocol/payloads';
import { analyseFile } from '../analysis/analyseFile';
import type { HostContext } from '../hostContext';
import { log, showError } from '../log';
import { writeFileAtomic } from '../../core/io/atomicWrite';
import { FORMAT_EXTENSIONS, reportContent, reportFileName, reportOf } from '../report/reportFile';
import { readSettings } from '../settings';

const FORMATS: readonly { label: string; format: ExportFormat }[] = [
  { label: 'JSON', format: 'json' },
  { label: 'CSV', format: 'csv' },
  { label: 'Markdown', format: 'markdown' },
];

/** What a report is made of: the adapter and what is known of its analysis. */
export interface ReportSource {
  readonly adapter: Adapter;
  readonly analysis: AdapterAnalysis | null;
  readonly partial: readonly ModuleResult[];
}

/**
 * Export Report…: the active editor's adapter (or a picked file, analysed with progress) as
 * JSON, CSV or Markdown, the CLI's formats. The save dialog asks before overwriting; the write
 * is atomic. Returns the file written, or null when the user stopped.
 */
export function registerExportReport(ctx: HostContext): vscode.Disposable {
  // From the editor title VS Code passes the resource instead: only a format name counts.
  return vscode.commands.registerCommand('loraLens.exportReport', async (arg?: unknown) => {
    const format = FORMATS.find((f) => f.format === arg)?.format;
    try {
      const session = ctx.registry.active();
      const source = session ? { adapter: session.document.adapter, analysis: session.document.analysis, partial: session.document.moduleResults } : await pickAndAnalyse(ctx);
      return source ? await exportReport(source, format) : null;
    } catch (error) {
      showError('Export Report', error);
      return null;
    }
  });
}

export async function exportReport(source: ReportSource, format?: ExportFormat): Promise<string | null> {
  const chosen = format ?? (await vscode.window.showQuickPick(FORMATS, { title: 'Export Report', placeHolder: 'Report format' }))?.format;
  if (!chosen) return null;
  const extension = FORMAT_EXTENSIONS[chosen];
  const file = source.adapter.file;
  const target = await vscode.window.showSaveDialog({
    title: 'Export LoRA Lens Report',
    defaultUri: vscode.Uri.file(join(dirname(file), reportFileName(basename(file), chosen))),
    filters: { [FORMATS.find((f) => f.format === chosen)?.label ?? chosen]: [extension] },
  });
  if (!target) return null;
  const report = reportOf(source.adapter, source.analysis, source.partial);
  await writeFileAtomic(target.fsPath, reportContent(report, chosen));
  log().info(`exported ${chosen} report of ${file} to ${target.fsPath}`);
  void vscode.window.showInformationMessage(`LoRA Lens: report written to ${target.fsPath}`);
  return target.fsPath;
}

async function pickAndAnalyse(ctx: HostContext): Promise<ReportSource | null> {
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Export Report', filters: ADAPTER_DIALOG_FILTERS });
  if (!picked?.[0]) return null;
  const path = picked[0].fsPath;
  const entry = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `LoRA Lens: analysing ${basename(path)}`, cancellable: true },
    (progress, token) => {
      let shown = 0;
      return analyseFile(ctx.service, path, readSettings().compute, token, (done, total) => {
        const percent = (100 * done) / total;
        progress.report({ increment: percent - shown, message: `${done}/${total} modules` });
        shown = percent;
      });
    },
  );
  return { adapter: entry.adapter, analysis: entry.analysis, partial: [] };
}
