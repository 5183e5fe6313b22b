/** One column of a text table; the first column of every table is the name. */
export interface TableColumn {
  readonly title: string;
  readonly right: boolean;
  /**
   * Which columns give way first when the table is too wide for the terminal: lower goes first;
   * undefined never goes.
   */
  readonly drop?: number;
}

/** Shortest name column kept beside the numbers; longer names go on a line of their own. */
const MIN_NAME = 16;

/**
 * Lays out a table of names and cells in `width` characters without ever cutting a name: columns
 * are dropped (lowest `drop` first) while the cells alone do not fit, and a name too long for
 * the room left gets a line of its own, its cells on the next line under their columns.
 * `rows[i][0]` is the name, `rows[i][j + 1]` the cell of `columns[j]`. Returns the lines and
 * the titles of the columns left out.
 */
export function fitTable(nameTitle: string, columns: readonly TableColumn[], rows: readonly (readonly string[])[], width: number): { lines: string[]; dropped: string[] } {
  // Loops, not Math.max(...rows): an adapter can have more modules than a call takes arguments.
  const widths = columns.map((c) => c.title.length);
  let widest = nameTitle.length;
  for (const r of rows) {
    widest = Math.max(widest, r[0].length);
    for (let j = 0; j < columns.length; j++) widths[j] = Math.max(widths[j], r[j + 1].length);
  }
  const kept = columns.map((_, j) => j);
  const cellsWidth = () => kept.reduce((s, j) => s + widths[j] + 2, 0);
  const order = columns
    .map((c, j) => ({ j, drop: c.drop }))
    .filter((c) => c.drop !== undefined)
    .sort((a, b) => (a.drop ?? 0) - (b.drop ?? 0));
  const dropped: string[] = [];
  for (const { j } of order) {
    if (cellsWidth() + MIN_NAME <= width) break;
    kept.splice(kept.indexOf(j), 1);
    dropped.push(columns[j].title);
  }
  const nameWidth = Math.min(widest, Math.max(nameTitle.length, MIN_NAME, width - cellsWidth()));
  const cells = (r: readonly string[]) => kept.map((j) => (columns[j].right ? r[j + 1].padStart(widths[j]) : r[j + 1].padEnd(widths[j])));
  const line = (name: string, r: readonly string[]) => [name.padEnd(nameWidth), ...cells(r)].join('  ').trimEnd();
  const lines = [line(nameTitle, ['', ...columns.map((c) => c.title)])];
  for (const r of rows) {
    if (r[0].length <= nameWidth) lines.push(line(r[0], r));
    else lines.push(r[0], line('', r));
  }
  return { lines, dropped };
}

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
export function wrapWords(text: string, width: number, indent = ''): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line === '') line = indent + word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = indent + word;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}
