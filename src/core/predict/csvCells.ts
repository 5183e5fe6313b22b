/**
 * Splits CSV text into rows of cells (RFC 4180: quoted cells may hold commas, quotes doubled,
 * and line breaks). Returns null for text that is not well-formed CSV (a quote left open, a
 * stray quote inside an unquoted cell), so callers can refuse a file they do not recognize.
 */
export function parseCsv(text: string): string[][] | null {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  let quoted = false;
  let started = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else cell += c;
      i++;
      continue;
    }
    if (c === '"') {
      if (cell !== '') return null;
      quoted = true;
      started = true;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' || c === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      started = false;
      if (c === '\r' && text[i + 1] === '\n') i++;
    } else {
      cell += c;
      started = true;
    }
    i++;
  }
  if (quoted) return null;
  if (started || cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}
