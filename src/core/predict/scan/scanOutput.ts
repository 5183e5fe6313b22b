import { FeatureError } from '../errors';
import { csvCell, csvUnguard, jsonText } from '../../report/escape';
import { parseCsv } from '../csvCells';
import { parseLayoutId, type FeatureLayout, type LayoutModule } from '../layout';
import { parseBoundedJson } from '../../io/boundedJson';
import { parseShard, shardLabel, type Shard } from './shard';

/** The two formats, chosen by the output's extension. */
export type ScanFormat = 'csv' | 'jsonl';

/** One adapter's row: its key (folder relative to the scanned root) and feature vector. */
export interface ScanRow {
  readonly path: string;
  readonly features: Float64Array;
}

/**
 * A scan output as read back: its layout id, k, the columns, the modules when the file records
 * them (JSONL does; CSV only through the id's hash), and its rows.
 */
export interface ScanFile {
  readonly layoutId: string;
  readonly k: number;
  readonly columns: readonly string[];
  readonly modules: readonly LayoutModule[] | null;
  readonly rows: readonly ScanRow[];
  /** The shard a `scan --shard K/N` output holds; null for a whole scan (or a merge). */
  readonly shard: Shard | null;
}

/** `format` of the JSONL header object: names the file as a scan output. */
const JSONL_FORMAT = 'lora-lens-scan';

/**
 * The text of a scan output.
 * CSV: header `path,layout,<layout columns>`, then per adapter its key, the layout id (in every
 * row, so each row says what its numbers mean) and the features.
 * JSONL: a header object `{"format":"lora-lens-scan","version":1,"layout":id,"k":k,
 * "modules":[{name,shape}],"columns":[…]}`, then `{"path":key,"features":[…]}` per adapter.
 *
 * A shard's output records its shard: CSV in a third column, headed `shard=K/N` (so a shard
 * with no rows still says which it is) and holding `K/N` in every row; JSONL as
 * `"shard":"K/N"` in the header object. Without a shard the text is exactly a whole scan's.
 */
export function renderScan(format: ScanFormat, layout: FeatureLayout, rows: readonly ScanRow[], shard: Shard | null = null): string {
  return scanHeaderText(format, layout, shard) + rows.map((r) => scanRowText(format, layout, r, shard)).join('');
}

/** The first line of a scan output (renderScan), its line break included. */
export function scanHeaderText(format: ScanFormat, layout: FeatureLayout, shard: Shard | null = null): string {
  const label = shard ? shardLabel(shard) : null;
  if (format === 'csv') return `${['path', 'layout', ...(label ? [`shard=${label}`] : []), ...layout.columns].map(csvCell).join(',')}\r\n`;
  const header = { format: JSONL_FORMAT, version: 1, ...(label ? { shard: label } : {}), layout: layout.id, k: layout.k, modules: layout.modules, columns: layout.columns };
  return `${jsonText(header)}\n`;
}

/**
 * One row's line of a scan output (renderScan), its line break included: a rewrite of the
 * output joins lines made once per row, instead of formatting every number again.
 */
export function scanRowText(format: ScanFormat, layout: FeatureLayout, row: ScanRow, shard: Shard | null = null): string {
  if (format === 'csv') return `${[csvCell(row.path), layout.id, ...(shard ? [shardLabel(shard)] : []), ...Array.from(row.features, (v) => csvCell(v))].join(',')}\r\n`;
  return `${jsonText({ path: row.path, features: Array.from(row.features) })}\n`;
}

/**
 * Reads an existing output back, or throws NOT_SCAN_OUTPUT saying why the file is not one: a
 * file is a scan output only when its first line is the header this module writes (CSV:
 * starts `path,layout,`; JSONL: an object with format "lora-lens-scan") and every row names the
 * same valid layout id and has one number per column. Anything else (a labels.csv, a report, a
 * half-edited file) is refused, so scan never replaces a file it did not write.
 */
export function parseScan(format: ScanFormat, text: string): ScanFile {
  return format === 'csv' ? parseScanCsv(text) : parseScanJsonl(text);
}

function notScan(why: string): FeatureError {
  return new FeatureError('NOT_SCAN_OUTPUT', why);
}

function parseScanCsv(text: string): ScanFile {
  const table = parseCsv(text);
  if (!table || table.length === 0 || table[0][0] !== 'path' || table[0][1] !== 'layout') throw notScan('its first line is not a scan header (path,layout,…)');
  // Layout columns end in `:feature`, so a third header cell `shard=K/N` cannot be one.
  const label = /^shard=\d+\/\d+$/.test(table[0][2] ?? '') ? table[0][2].slice('shard='.length) : null;
  const shard = label === null ? null : shardIn(label);
  const lead = shard ? 3 : 2;
  const columns = table[0].slice(lead);
  let layoutId: string | null = null;
  const rows: ScanRow[] = [];
  for (let i = 1; i < table.length; i++) {
    const cells = table[i];
    if (cells.length === 1 && cells[0] === '') continue;
    if (cells.length !== columns.length + lead) throw notScan(`row ${i + 1} has ${cells.length} cells, the header ${columns.length + lead}`);
    if (layoutId !== null && cells[1] !== layoutId) throw notScan(`row ${i + 1} names layout ${cells[1]}, earlier rows ${layoutId}`);
    if (label !== null && cells[2] !== label) throw notScan(`row ${i + 1} names shard ${cells[2]}, the header ${label}`);
    layoutId = cells[1];
    rows.push({ path: csvUnguard(cells[0]), features: numbers(cells.slice(lead), i + 1, lead) });
  }
  if (layoutId === null) return { layoutId: '', k: 0, columns, modules: null, rows, shard };
  const { k, moduleCount } = layoutOf(layoutId);
  if (moduleCount * (k + 2) !== columns.length) throw notScan(`layout ${layoutId} has ${moduleCount * (k + 2)} columns, the header ${columns.length}`);
  return { layoutId, k, columns, modules: null, rows, shard };
}

function parseScanJsonl(text: string): ScanFile {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines.length > 0 ? json(lines[0]) : null;
  if (!isRecord(header) || header.format !== JSONL_FORMAT) throw notScan(`its first line is not a scan header object ({"format":"${JSONL_FORMAT}",…})`);
  const layoutId = typeof header.layout === 'string' ? header.layout : '';
  const { k, moduleCount } = layoutOf(layoutId);
  const columns = Array.isArray(header.columns) && header.columns.every((c) => typeof c === 'string') ? (header.columns as string[]) : null;
  const modules = Array.isArray(header.modules) ? header.modules.filter(isModule) : [];
  const shard = header.shard === undefined ? null : shardIn(typeof header.shard === 'string' ? header.shard : '');
  if (!columns || columns.length !== moduleCount * (k + 2) || modules.length !== moduleCount) throw notScan(`its header's columns or modules do not fit layout ${layoutId}`);
  const rows: ScanRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const row = json(lines[i]);
    if (
      !isRecord(row) ||
      typeof row.path !== 'string' ||
      !Array.isArray(row.features) ||
      row.features.length !== columns.length ||
      !row.features.every((v) => typeof v === 'number')
    )
      throw notScan(`line ${i + 1} is not a row {"path":…,"features":[${columns.length} numbers]}`);
    rows.push({ path: row.path, features: Float64Array.from(row.features as number[]) });
  }
  return { layoutId, k, columns, modules, rows, shard };
}

function shardIn(label: string): Shard {
  try {
    return parseShard(label);
  } catch {
    throw notScan(`its header's shard "${label}" is not K/N`);
  }
}

function layoutOf(id: string): { k: number; moduleCount: number } {
  try {
    return parseLayoutId(id);
  } catch (error) {
    throw notScan(error instanceof Error ? error.message : String(error));
  }
}

function numbers(cells: readonly string[], line: number, lead: number): Float64Array {
  const out = new Float64Array(cells.length);
  cells.forEach((c, j) => {
    const v = Number(c);
    if (c.trim() === '' || !Number.isFinite(v)) throw notScan(`row ${line}, column ${j + lead + 1} is not a number`);
    out[j] = v;
  });
  return out;
}

function json(line: string): unknown {
  try {
    return parseBoundedJson(line);
  } catch {
    return null;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isModule(v: unknown): v is LayoutModule {
  return isRecord(v) && typeof v.name === 'string' && Array.isArray(v.shape) && v.shape.length === 2 && v.shape.every((x) => Number.isSafeInteger(x));
}
