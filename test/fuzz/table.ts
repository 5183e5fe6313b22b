import { CATEGORIES, type CaseOutcome, type Verdict } from './types';

const COLUMNS: readonly [Verdict | 'tried', string][] = [
  ['tried', 'tried'],
  ['answered', 'answered'],
  ['typed', 'typed error'],
  ['crash', 'crash'],
  ['hang', 'hang'],
  ['wrong', 'silent wrong'],
];

/** Counts per category and verdict, with a total row. */
export function countTable(outcomes: readonly CaseOutcome[]): string {
  const rows = [...CATEGORIES, 'total'].map((category) => {
    const mine = outcomes.filter((o) => category === 'total' || o.category === category);
    return [category, ...COLUMNS.map(([verdict]) => String(verdict === 'tried' ? mine.length : mine.filter((o) => o.verdict === verdict).length))];
  });
  const header = ['category', ...COLUMNS.map(([, title]) => title)];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

/** One line per case that is neither answered nor a typed error: category, name, verdict and reason. */
export function defectList(outcomes: readonly CaseOutcome[]): string[] {
  return outcomes
    .filter((o) => o.verdict !== 'answered' && o.verdict !== 'typed')
    .map((o) => `${o.category} / ${o.name}: ${o.verdict === 'wrong' ? 'silent wrong' : o.verdict}: ${o.reason}`);
}
