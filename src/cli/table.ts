import { textSafe } from '../core/report/escape';
import { fitTable } from '../core/report/fitTable';

/** Plain-text tables for the CLI: names never cut, columns fitted to the terminal's width. */

/** Width when stdout is not a terminal (a pipe, a file) and COLUMNS is not set. */
const DEFAULT_WIDTH = 100;

/** The width to fit: COLUMNS when set (tests, scripts), else the terminal's, else 100. */
export function terminalWidth(): number {
  const env = Number(process.env.COLUMNS);
  if (Number.isInteger(env) && env > 0) return env;
  const columns = process.stdout.isTTY ? process.stdout.columns : undefined;
  return columns !== undefined && columns > 0 ? columns : DEFAULT_WIDTH;
}

/** Text from files for the terminal (textSafe): controls, bidi and zero-width characters shown as escapes. */
export function clean(text: string): string {
  return textSafe(text);
}

/** A module name, cleaned; shown whole (a table puts a long one on a line of its own). */
export function shortName(name: string): string {
  return clean(name);
}

/**
 * Columns padded to their widest cell; the first column (the name) left-aligned, the others
 * right-aligned. A name too long for the room the other columns leave in `width` gets a line of
 * its own, its cells on the next line under their columns: names are never cut.
 */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[], width = terminalWidth()): string[] {
  return fitTable(
    header[0],
    header.slice(1).map((title) => ({ title, right: true })),
    rows,
    width,
  ).lines;
}

/** The mean of a list, null when empty. */
export function mean(values: ArrayLike<number>): number | null {
  if (values.length === 0) return null;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}
