import { markdownCell as escape } from './escape';
import { formatNumber, formatPercent, formatShape } from './format';
import type { ReportJson } from './report';

/** A Markdown report: overview, the per-module table and the warnings. Text is escaped. */
export function reportMarkdown(report: ReportJson): string {
  const lines: string[] = [];
  lines.push(`# LoRA Lens report: ${escape(baseName(report.file))}`, '');
  lines.push(`- **Format:** ${escape(report.formatDetail)}`);
  lines.push(`- **Base model:** ${escape(report.baseModel ?? 'unknown')}`);
  lines.push(`- **Modules:** ${report.summary.modules} (${report.summary.analysed} analysed, ${report.summary.skipped} skipped)`);
  lines.push(`- **Adapter parameters:** ${report.summary.adapterParameters.toLocaleString('en-US')}`);
  lines.push(
    `- **Dtypes:** ${Object.entries(report.summary.dtypes)
      .map(([d, n]) => `${d} × ${n}`)
      .join(', ')}`,
  );
  if (report.backend) lines.push(`- **Computed with:** ${escape(report.backend)}`);
  lines.push('');
  if (report.modules.length > 0) {
    lines.push('| module | kind | m×n | r | α | scale | ‖ΔW‖_F | σ1 | eff. rank | stable rank | r95 | util. |');
    lines.push('|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
    for (const m of report.modules) {
      lines.push(
        `| ${escape(m.name)} | ${escape(m.kind)} | ${formatShape(m.shape, m.kernel)} | ${m.rank} | ${formatNumber(m.alpha)} | ${formatNumber(m.scale)} | ${formatNumber(m.frobenius)} | ${formatNumber(m.sigma1)} | ${formatNumber(m.effectiveRank, 3)} | ${formatNumber(m.stableRank, 3)} | ${m.r95 ?? '–'} | ${formatPercent(m.utilization)} |`,
      );
    }
    lines.push('');
  }
  const training = report.metadataEntries.filter((e) => e.label !== e.key);
  if (training.length > 0) {
    lines.push('## Training metadata', '', '| | |', '|---|---|');
    for (const e of training) lines.push(`| ${escape(e.label)} | ${escape(truncate(e.parsed !== undefined ? JSON.stringify(e.parsed) : e.value))} |`);
    const others = report.metadataEntries.length - training.length;
    lines.push('', ...(others > 0 ? [`${others} more metadata key${others === 1 ? '' : 's'} in the JSON report.`, ''] : []));
  }
  const warnings = [...report.warnings, ...report.modules.flatMap((m) => m.warnings.map((w) => `${m.name}: ${w}`))];
  if (warnings.length > 0) {
    lines.push('## Warnings', '');
    for (const w of warnings) lines.push(`- ${escape(w)}`);
    lines.push('');
  }
  return lines.join('\n');
}

function truncate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}
