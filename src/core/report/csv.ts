import { csvCell } from './escape';
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
  'aboveMeanRank',
  'singularValues',
  'warnings',
] as const;

/**
 * One row per module (RFC 4180). Names come from the file and are untrusted: every text cell
 * goes through csvCell (controls shown as escapes, formulas guarded with an apostrophe).
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
      m.aboveMeanRank,
      m.singularValues ? m.singularValues.join(' ') : null,
      m.warnings.join('; '),
    ];
    rows.push(cells.map(csvCell).join(','));
  }
  return `${rows.join('\r\n')}\r\n`;
}
