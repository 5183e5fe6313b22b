import type { LayerAnalysis, LayerRow } from '../../src/protocol/payloads';
import type { Column } from './columns';

/**
 * The layer table as text for other tools: TSV for the clipboard (a spreadsheet pastes it
 * into cells) and CSV for a file. Numbers are written in full precision (JavaScript's
 * shortest round-trip form), not as the table shows them, so nothing is lost on the way;
 * a value not known (pending, skipped) is an empty cell.
 */
export function rawCell(column: Column, row: LayerRow, result: LayerAnalysis | undefined): string {
  // m×n sorts by m·n, but the product alone would lose the shape.
  if (!column.numeric || column.key === 'shape') return column.text(row, result);
  const value = column.value(row, result);
  if (value === null || (typeof value === 'number' && Number.isNaN(value))) return '';
  return String(value);
}

/** A TSV field: tabs and line breaks would split the cell, so they become spaces. */
export function tsvField(text: string): string {
  return text.replace(/[\t\r\n]+/g, ' ');
}

/** A CSV field per RFC 4180: quoted when it holds a comma, quote or line break, quotes doubled. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A spreadsheet runs a field starting with =, +, - or @ as a formula, and some skip a leading
 * tab or carriage return first (OWASP's CSV injection list); module names come from the file,
 * so such a text field gets a leading apostrophe. Numbers are left alone.
 */
function defused(text: string, numeric: boolean): string {
  return !numeric && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

function table(
  columns: readonly Column[],
  rows: readonly LayerRow[],
  results: ReadonlyMap<number, LayerAnalysis>,
  field: (text: string) => string,
  separator: string,
  newline: string,
): string {
  const out: string[] = [columns.map((c) => field(c.label)).join(separator)];
  for (const row of rows) {
    const result = results.get(row.index);
    out.push(columns.map((c) => field(defused(rawCell(c, row, result), c.numeric && c.key !== 'shape'))).join(separator));
  }
  return out.join(newline) + newline;
}

/** Rows as TSV with a header line, for the clipboard. */
export function tableTsv(columns: readonly Column[], rows: readonly LayerRow[], results: ReadonlyMap<number, LayerAnalysis>): string {
  return table(columns, rows, results, tsvField, '\t', '\n');
}

/** Rows as CSV with a header line (CRLF line ends, as RFC 4180 has them). */
export function tableCsv(columns: readonly Column[], rows: readonly LayerRow[], results: ReadonlyMap<number, LayerAnalysis>): string {
  return table(columns, rows, results, csvField, ',', '\r\n');
}
