/** Plain-text tables for the subspace commands (compare, checkpoints). */

/** Longest module name shown whole; longer names keep their (more telling) tail. */
const MAX_NAME = 64;

/** Shows control characters from untrusted names as escapes so they cannot drive the terminal. */
export function clean(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A module name, cleaned and cut to its tail when long. */
export function shortName(name: string): string {
  const text = clean(name);
  return text.length <= MAX_NAME ? text : `…${text.slice(text.length - MAX_NAME + 1)}`;
}

/** Columns padded to their widest cell; the first column left-aligned, the others right-aligned. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (cells: readonly string[]) => cells.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

/** The mean of a list, null when empty. */
export function mean(values: ArrayLike<number>): number | null {
  if (values.length === 0) return null;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}
