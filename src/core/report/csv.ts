import type { ReportJson } from './report';

const COLUMNS = [
  'name',
  'kind',
  'm',
  'n',
  'rank',
  'alpha',
  'scale',
  'status',
  'frobenius',
  'sigma1',
  'effectiveRank',
  'stableRank',
  'r90',
  'r95',
  'r99',
  'utilization',
  'dominanceRatio',
  'autoRank',
  'singularValues',
  'warnings',
] as const;

/**
 * One row per module (RFC 4180). Names come from the file and are untrusted: a cell that a
 * spreadsheet would run as a formula (leading = + - @) is prefixed with an apostrophe.
 */
export function reportCsv(report: ReportJson): string {
  const rows = [COLUMNS.join(',')];
  for (const m of report.modules) {
    const cells: (string | number | null)[] = [
      m.name,
      m.kind,
      m.shape[0],
      m.shape[1],
      m.rank,
      m.alpha,
      m.scale,
      m.status,
      m.frobenius,
      m.sigma1,
      m.effectiveRank,
      m.stableRank,
      m.r90,
      m.r95,
      m.r99,
      m.utilization,
      m.dominanceRatio,
      m.autoRank,
      m.singularValues ? m.singularValues.join(' ') : null,
      m.warnings.join('; '),
    ];
    rows.push(cells.map(csvCell).join(','));
  }
  return `${rows.join('\r\n')}\r\n`;
}

function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
