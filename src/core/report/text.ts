import { formatNumber, formatPercent, formatShape } from './format';
import type { ModuleJson, ReportJson } from './report';

/** Longest module name shown whole; longer names keep their (more telling) tail. */
const MAX_NAME = 64;

interface Column {
  readonly title: string;
  readonly right: boolean;
  readonly cell: (m: ModuleJson) => string;
}

const COLUMNS: readonly Column[] = [
  { title: 'kind', right: false, cell: (m) => m.kind },
  { title: 'm×n', right: false, cell: (m) => formatShape(m.shape, m.kernel) },
  { title: 'r', right: true, cell: (m) => String(m.rank) },
  { title: 'scale', right: true, cell: (m) => formatNumber(m.scale) + (m.scaleKnown ? '' : '?') },
  { title: '‖ΔW‖F', right: true, cell: (m) => formatNumber(m.frobenius) },
  { title: 'σ1', right: true, cell: (m) => formatNumber(m.sigma1) },
  { title: 'eff.rank', right: true, cell: (m) => formatNumber(m.effectiveRank, 3) },
  { title: 'stable', right: true, cell: (m) => formatNumber(m.stableRank, 3) },
  { title: 'r95', right: true, cell: (m) => (m.r95 === null ? '–' : String(m.r95)) },
  { title: 'util', right: true, cell: (m) => formatPercent(m.utilization) },
];

/** The human-readable report the CLI prints by default. Control characters in file text are shown escaped. */
export function reportText(report: ReportJson): string {
  const out: string[] = [];
  const s = report.summary;
  out.push(`LoRA Lens · ${clean(report.file)}`);
  out.push(`  format      ${clean(report.formatDetail)}`);
  out.push(`  base model  ${clean(report.baseModel ?? 'unknown')}`);
  out.push(`  modules     ${s.modules} (${s.analysed} analysed${s.skipped ? `, ${s.skipped} skipped` : ''}) · ${s.adapterParameters.toLocaleString('en-US')} adapter parameters · ${Object.entries(s.dtypes).map(([d, n]) => `${d}×${n}`).join(' ')}`);
  const rules = new Set(report.modules.map((m) => m.scaleRule));
  if (rules.size === 1) out.push(`  scale       ${clean([...rules][0])}`);
  else if (rules.size > 1) out.push(`  scale       per module (${rules.size} rules)`);
  if (report.backend) out.push(`  computed    ${computedLine(report)}`);
  const training = report.metadataEntries.filter((e) => e.label !== e.key).slice(0, TRAINING_ITEMS);
  if (training.length > 0) {
    const width = Math.max(...training.map((e) => e.label.length));
    training.forEach((e, i) => out.push(`  ${i === 0 ? 'training  ' : '          '}  ${e.label.padEnd(width)}  ${shortValue(e)}`));
  }
  if (report.modules.length > 0) out.push('', ...moduleTable(report.modules));
  if (report.otherTensors.length > 0) {
    const roles = new Map<string, number>();
    for (const t of report.otherTensors) roles.set(t.role, (roles.get(t.role) ?? 0) + 1);
    out.push('', `other tensors: ${[...roles].map(([role, n]) => `${n} ${role}`).join(', ')}`);
  }
  const warnings = [...report.warnings, ...report.modules.flatMap((m) => m.warnings.map((w) => `${m.name}: ${w}`))];
  if (warnings.length > 0) out.push('', 'warnings:', ...warnings.map((w) => `  - ${clean(w)}`));
  return `${out.join('\n')}\n`;
}

function moduleTable(modules: readonly ModuleJson[]): string[] {
  const names = modules.map((m) => shorten(clean(m.name)));
  const rows = modules.map((m) => COLUMNS.map((c) => c.cell(m)));
  const nameWidth = Math.max(6, ...names.map((n) => n.length));
  const widths = COLUMNS.map((c, j) => Math.max(c.title.length, ...rows.map((r) => r[j].length)));
  const line = (name: string, cells: readonly string[]) =>
    [name.padEnd(nameWidth), ...cells.map((cell, j) => (COLUMNS[j].right ? cell.padStart(widths[j]) : cell.padEnd(widths[j])))].join('  ').trimEnd();
  return [line('module', COLUMNS.map((c) => c.title)), ...rows.map((r, i) => line(names[i], r))];
}

function shorten(name: string): string {
  return name.length <= MAX_NAME ? name : `…${name.slice(name.length - MAX_NAME + 1)}`;
}

function computedLine(report: ReportJson): string {
  const c = report.compute;
  if (!c) return report.backend ?? '';
  const threads = c.threads ? `, ${c.threads} thread${c.threads === 1 ? '' : 's'}` : '';
  const fallbacks = c.fallbacks ? `; ${c.fallbacks} ill-conditioned factor(s) by Householder` : '';
  const why = c.fallbackReason ? ` (${c.fallbackReason})` : '';
  return `${c.backend}${threads}${fallbacks}${why}`;
}

/** How many labelled metadata entries the overview shows (the JSON report has them all). */
const TRAINING_ITEMS = 8;

function shortValue(entry: ModuleJsonMetadata): string {
  const text = clean(entry.parsed !== undefined ? JSON.stringify(entry.parsed) : entry.value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

type ModuleJsonMetadata = ReportJson['metadataEntries'][number];

/** Shows control characters from untrusted names as escapes so they cannot drive the terminal. */
function clean(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
