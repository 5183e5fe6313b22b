import { access, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { writeFileAtomic } from '../../io/atomicWrite';
import { acquireOutputLock } from '../../io/outputLock';
import { readSmallText } from '../../io/readFile';
import { textUnsafe } from '../../report/escape';
import type { FeatureLayout } from '../layout';
import { parseScan, renderScan, type ScanFile, type ScanFormat, type ScanRow } from './scanOutput';
import { MAX_SCAN_OUTPUT_BYTES } from './scan';
import { shardLabel, shardOf, ShardError, type Shard } from './shard';

export interface MergeOptions {
  /** The merged table; its format is `format`. */
  readonly out: string;
  readonly format: ScanFormat;
  /** Shard outputs of `scan --shard K/N`, each .csv or .jsonl (by its extension). */
  readonly inputs: readonly string[];
  /** Replace an existing `out` (otherwise refused). */
  readonly force?: boolean;
  /** Write the table even when shards are absent (they are listed in the summary). */
  readonly allowMissing?: boolean;
  /**
   * The largest merged table, in bytes: MAX_SCAN_OUTPUT_BYTES, the most scan reads back (and
   * resumes), unless a test injects a smaller one.
   */
  readonly maxBytes?: number;
}

export interface MergeSummary {
  /** N, the shard count the inputs record. */
  readonly count: number;
  /** The shards merged and those absent, 1-based, ascending. */
  readonly present: readonly number[];
  readonly missing: readonly number[];
  readonly rows: number;
  /** Null when no input has a row (a CSV records its layout in its rows only). */
  readonly layout: string | null;
}

/**
 * One read input: its path and what parseScan found, with its shard known and each row's path
 * the adapter's key itself (a CSV cell shows unsafe characters as escapes; see keyOf).
 */
interface ShardInput {
  readonly path: string;
  readonly file: ScanFile & { readonly shard: NonNullable<ScanFile['shard']> };
}

/**
 * Joins the outputs of `scan --shard K/N` into one scan table, exactly as one scan of the whole
 * folder writes it: rows sorted by adapter path, no shard column. Refuses (ShardError, exit 2),
 * before writing anything: an input that is not a shard output, one whose scan still holds its
 * lock (running, or interrupted: resume it first), inputs of different N, the same shard twice,
 * differing layouts or columns, an adapter in two inputs, a row whose path hashes to another
 * shard, absent shards unless `allowMissing`, and a table larger than `maxBytes` (MERGE_TOO_LARGE:
 * the inputs' sizes are summed before any is read). The table is written atomically and never
 * replaces an existing file unless `force`.
 */
export async function mergeScanShards(options: MergeOptions): Promise<MergeSummary> {
  if (options.inputs.length === 0) throw new ShardError('MERGE_MISSING', 'no shard outputs to merge');
  const target = resolve(options.out);
  const same = options.inputs.find((p) => resolve(p) === target);
  if (same !== undefined) throw new ShardError('OUTPUT_EXISTS', `${options.out} is also one of the shard outputs; write the merged table to another file`);
  const lock = await acquireOutputLock(options.out);
  try {
    if (!options.force && (await exists(options.out))) throw new ShardError('OUTPUT_EXISTS', `${options.out} exists; pass --force to replace it`);
    const maxBytes = options.maxBytes ?? MAX_SCAN_OUTPUT_BYTES;
    await checkTotalSize(options.inputs, maxBytes);
    const inputs: ShardInput[] = [];
    for (const path of options.inputs) inputs.push(await readShard(path));
    const count = inputs[0].file.shard.count;
    const byIndex = new Map<number, string>();
    for (const { path, file } of inputs) {
      if (file.shard.count !== count)
        throw new ShardError('MERGE_MISMATCH', `${path} is shard ${shardLabel(file.shard)}, ${inputs[0].path} is of ${count} shards: merge the outputs of one sharded scan`);
      const twin = byIndex.get(file.shard.index);
      if (twin !== undefined) throw new ShardError('MERGE_DUPLICATE', `${twin} and ${path} are both shard ${shardLabel(file.shard)}`);
      byIndex.set(file.shard.index, path);
    }
    const layout = commonLayout(inputs, options.format);
    const rows = joinRows(inputs);
    const present = [...byIndex.keys()].sort((a, b) => a - b);
    const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
    if (missing.length > 0 && !options.allowMissing)
      throw new ShardError(
        'MERGE_MISSING',
        `shards ${listOf(missing)} of ${count} are missing (merged inputs hold ${listOf(present)}); pass --allow-missing to merge what there is`,
      );
    // The inputs' total bounds the table, except that a CSV row repeats the layout id a JSONL row lacks.
    const text = renderScan(options.format, layout, rows);
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > maxBytes) throw tooLarge(`the merged table would be ${bytes} bytes`, maxBytes);
    await writeFileAtomic(options.out, text, { overwrite: options.force === true });
    return { count, present, missing, rows: rows.length, layout: layout.id === '' ? null : layout.id };
  } finally {
    await lock.release();
  }
}

async function readShard(path: string): Promise<ShardInput> {
  if (await exists(`${path}.lock`))
    throw new ShardError('SHARD_INCOMPLETE', `${path} is locked by its scan (${path}.lock): the scan is running or was interrupted; run it again to finish it, then merge`);
  const format: ScanFormat | null = /\.csv$/i.test(path) ? 'csv' : /\.jsonl$/i.test(path) ? 'jsonl' : null;
  if (!format) throw new ShardError('NOT_SHARD_OUTPUT', `${path}: a shard output ends in .csv or .jsonl`);
  const file = parseScan(format, await readSmallText(path, MAX_SCAN_OUTPUT_BYTES, 'a shard output'));
  const shard = file.shard;
  if (!shard) throw new ShardError('NOT_SHARD_OUTPUT', `${path} is a whole scan's output, not a shard's (no shard recorded); scan-merge joins the outputs of scan --shard K/N`);
  const rows = file.rows.map((row) => {
    const key = keyOf(row.path, format, shard);
    if (key === null)
      throw new ShardError(
        'NOT_SHARD_OUTPUT',
        `${path} is shard ${shardLabel(shard)} but holds ${row.path}, an adapter of shard ${shardOf(format === 'csv' ? textUnsafe(row.path) : row.path, shard.count)}/${shard.count}`,
      );
    return { path: key, features: row.features };
  });
  return { path, file: { ...file, rows, shard } };
}

/**
 * The key scan hashed (shardOf) for a row's path, or null when no reading of it falls in
 * `shard`. JSONL records the key as it is. A CSV cell holds it through csvCell, with unsafe
 * characters (a ZWNJ, a soft hyphen) shown as escapes: the key is the cell with those undone,
 * or, for a key that held such an escape's text itself, the cell as written; the hash tells
 * which (the undone reading first where both fall in the shard).
 */
function keyOf(cell: string, format: ScanFormat, shard: Shard): string | null {
  const readings = format === 'csv' ? [textUnsafe(cell), cell] : [cell];
  return readings.find((key) => shardOf(key, shard.count) === shard.index) ?? null;
}

/** Refuses inputs whose sizes add up past `maxBytes`, before any is read into memory. */
async function checkTotalSize(paths: readonly string[], maxBytes: number): Promise<void> {
  let total = 0;
  for (const path of paths) total += (await stat(path).catch(() => null))?.size ?? 0;
  if (total > maxBytes) throw tooLarge(`the ${paths.length} shard outputs hold ${total} bytes`, maxBytes);
}

function tooLarge(what: string, maxBytes: number): ShardError {
  return new ShardError(
    'MERGE_TOO_LARGE',
    `${what}, more than the ${maxBytes} a scan output may hold (scan reads its output back whole to resume it): merge fewer shards, or scan the zoo as several tables`,
  );
}

/**
 * The layout every input shares: equal columns (which name the modules and k), equal layout ids
 * where rows name one, equal module shapes where the files record them (JSONL). A JSONL table
 * needs the modules' shapes, which only JSONL inputs carry.
 */
function commonLayout(inputs: readonly ShardInput[], format: ScanFormat): FeatureLayout {
  const first = inputs[0];
  for (const { path, file } of inputs.slice(1)) {
    const columns = file.columns.length !== first.file.columns.length || file.columns.some((c, i) => c !== first.file.columns[i]);
    if (columns)
      throw new ShardError(
        'MERGE_MISMATCH',
        `${path} and ${first.path} have different columns (${file.columns.length} and ${first.file.columns.length}): they are not shards of one scan`,
      );
  }
  const named = inputs.filter((i) => i.file.layoutId !== '');
  for (const { path, file } of named.slice(1))
    if (file.layoutId !== named[0].file.layoutId) throw new ShardError('MERGE_MISMATCH', `${path} has layout ${file.layoutId}, ${named[0].path} ${named[0].file.layoutId}`);
  const withModules = inputs.filter((i) => i.file.modules !== null);
  for (const { path, file } of withModules.slice(1))
    if (JSON.stringify(file.modules) !== JSON.stringify(withModules[0].file.modules))
      throw new ShardError('MERGE_MISMATCH', `${path} and ${withModules[0].path} record different modules`);
  const modules = withModules[0]?.file.modules ?? null;
  if (format === 'jsonl' && modules === null)
    throw new ShardError('MERGE_MISMATCH', "a .jsonl table records the modules' shapes, which CSV shard outputs lack: merge JSONL shards into .jsonl, or write .csv");
  const id = named[0]?.file.layoutId ?? '';
  return { id, k: named[0]?.file.k ?? 0, modules: modules ?? [], columns: first.file.columns };
}

/** Every input's rows, sorted by key (UTF-16 code units, as findAdapters sorts); an adapter in two inputs is refused. */
function joinRows(inputs: readonly ShardInput[]): ScanRow[] {
  const owner = new Map<string, string>();
  const rows: ScanRow[] = [];
  for (const { path, file } of inputs) {
    for (const row of file.rows) {
      const other = owner.get(row.path);
      if (other !== undefined) throw new ShardError('MERGE_DUPLICATE', `${row.path} has a row in ${other} and in ${path}`);
      owner.set(row.path, path);
      rows.push(row);
    }
  }
  return rows.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** `1, 3, 5–9`: a short list of shard numbers. */
function listOf(indices: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < indices.length; i++) {
    let j = i;
    while (j + 1 < indices.length && indices[j + 1] === indices[j] + 1) j++;
    parts.push(j > i + 1 ? `${indices[i]}–${indices[j]}` : j === i + 1 ? `${indices[i]}, ${indices[j]}` : `${indices[i]}`);
    i = j;
  }
  return parts.length > 0 ? parts.join(', ') : 'none';
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
