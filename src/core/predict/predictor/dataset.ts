import { isAbsolute, join } from 'node:path';
import { openAdapter } from '../../adapter/load';
import type { ModuleResult } from '../../analysis/analyze';
import { CancelledError, throwIfCancelled, type CancellationToken } from '../../cancellation';
import { FileReadError, readSmallText } from '../../io/readFile';
import { parseCsv } from '../csvCells';
import { FeatureError } from '../errors';
import { adapterFeatures, checkModules, layoutForAdapter } from '../features';
import { DEFAULT_K, type FeatureLayout } from '../layout';
import type { Target } from './crossValidate';
import type { Rows } from './dense';
import { readModuleFactors, stackRows, type ModuleFactors } from './rawFactors';

export interface DatasetOptions {
  readonly zoo: string;
  readonly labels: string;
  readonly target: string;
  /** Numeric target (ridge) or categorical (logistic: labels are the column's distinct values). */
  readonly targetKind: 'numeric' | 'classes';
  readonly k?: number;
  /** Module results of one adapter folder, in its module order (the CLI: the analysis worker, as scan). */
  readonly analyze: (path: string, token?: CancellationToken) => Promise<readonly ModuleResult[]>;
  readonly token?: CancellationToken;
  readonly onSkip?: (adapter: string, reason: string) => void;
}

/** The training set: invariant features, raw factors for the baseline, and the target. */
export interface Dataset {
  readonly layout: FeatureLayout;
  readonly adapters: readonly string[];
  readonly features: Rows;
  readonly factors: readonly (readonly ModuleFactors[])[];
  /** Each adapter's scale s (ΔW = s·B·A) per layout module, for the GL-net's U = s·B. */
  readonly scales: readonly (readonly number[])[];
  readonly target: Target;
  readonly skipped: readonly { readonly adapter: string; readonly reason: string }[];
}

/** A labels table has a row per adapter of a zoo: a million rows of paths and targets fit. */
const MAX_LABELS_BYTES = 256 * 1024 * 1024;

/** The text of a labels file (a regular file of at most MAX_LABELS_BYTES), or INVALID_LABELS saying why not. */
export async function readLabels(path: string): Promise<string> {
  try {
    return await readSmallText(path, MAX_LABELS_BYTES, 'the labels file');
  } catch (error) {
    if (!(error instanceof FileReadError)) throw error;
    throw new FeatureError('INVALID_LABELS', error.code === 'NOT_FOUND' ? `${path} cannot be read (there is no such file)` : error.message);
  }
}

/**
 * Reads labels.csv (a header with `adapter` and the target column; adapter paths relative to
 * the zoo) and featurizes each listed adapter the way scan does: the layout is the one most
 * adapters share (ties: the first row's), each adapter is analysed by `analyze` and its features
 * taken by adapterFeatures. A row whose adapter is missing, cannot be opened or analysed, does
 * not fit the layout, or whose target cell is empty (or not a number, for a numeric target) is
 * reported through onSkip and left out. The raw B and A are read for the baseline.
 */
export async function loadDataset(options: DatasetOptions): Promise<Dataset> {
  const text = await readLabels(options.labels);
  const table = parseCsv(text);
  if (!table || table.length < 2) throw new FeatureError('INVALID_LABELS', `${options.labels} is not a CSV file with a header and rows`);
  const header = table[0];
  const adapterColumn = header.indexOf('adapter');
  const targetColumn = header.indexOf(options.target);
  if (adapterColumn < 0) throw new FeatureError('INVALID_LABELS', `${options.labels} has no "adapter" column`);
  if (targetColumn < 0) throw new FeatureError('INVALID_LABELS', `${options.labels} has no column ${JSON.stringify(options.target)} (columns: ${header.join(', ')})`);
  const skipped: { adapter: string; reason: string }[] = [];
  const skip = (adapter: string, reason: string) => {
    skipped.push({ adapter, reason });
    options.onSkip?.(adapter, reason);
  };
  const k = options.k ?? DEFAULT_K;
  const opened: { name: string; path: string; cell: string; layout: FeatureLayout }[] = [];
  for (const row of table.slice(1)) {
    if (row.length === 1 && row[0] === '') continue;
    const name = row[adapterColumn] ?? '';
    const cell = (row[targetColumn] ?? '').trim();
    if (cell === '' || (options.targetKind === 'numeric' && !Number.isFinite(Number(cell)))) {
      skip(name, `target ${options.target} is ${cell === '' ? 'empty' : `not a number (${JSON.stringify(cell.slice(0, 40))})`}`);
      continue;
    }
    const path = isAbsolute(name) ? name : join(options.zoo, name);
    try {
      const o = await openAdapter(path);
      await o.file.close();
      if (!o.adapter.analysable || o.adapter.modules.length === 0) throw new Error(o.adapter.warnings[0] ?? 'no LoRA modules to analyse');
      opened.push({ name, path, cell, layout: layoutForAdapter(o.adapter, k) });
    } catch (error) {
      skip(name, error instanceof Error ? error.message : String(error));
    }
  }
  const counts = new Map<string, number>();
  for (const o of opened) counts.set(o.layout.id, (counts.get(o.layout.id) ?? 0) + 1);
  const layout = opened.reduce<FeatureLayout | null>((best, o) => (!best || (counts.get(o.layout.id) ?? 0) > (counts.get(best.id) ?? 0) ? o.layout : best), null);
  if (!layout) throw new FeatureError('INVALID_LABELS', `no adapter listed in ${options.labels} could be opened under ${options.zoo}`);
  const adapters: string[] = [];
  const rows: Float64Array[] = [];
  const factors: ModuleFactors[][] = [];
  const scales: number[][] = [];
  const cells: string[] = [];
  for (const o of opened) {
    throwIfCancelled(options.token);
    try {
      const file = await openAdapter(o.path);
      try {
        checkModules(file.adapter, layout);
        const results = await options.analyze(o.path, options.token);
        const row = adapterFeatures(file.adapter, results, layout);
        const raw = await readModuleFactors(file, layout);
        const byName = new Map(file.adapter.modules.map((m) => [m.name, m.scale] as const));
        rows.push(row);
        factors.push(raw);
        scales.push(layout.modules.map((m) => byName.get(m.name) ?? 1));
      } finally {
        await file.file.close();
      }
      adapters.push(o.name);
      cells.push(o.cell);
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      skip(o.name, error instanceof Error ? error.message : String(error));
    }
  }
  return { layout, adapters, features: stackRows(rows), factors, scales, target: targetOf(cells, options.targetKind), skipped };
}

/** Numbers, or class indices into the distinct labels (numeric order when every label is a number). */
function targetOf(cells: readonly string[], kind: 'numeric' | 'classes'): Target {
  if (kind === 'numeric') return { kind: 'numeric', values: Float64Array.from(cells, Number) };
  const distinct = [...new Set(cells)];
  const numeric = distinct.every((c) => Number.isFinite(Number(c)));
  distinct.sort(numeric ? (a, b) => Number(a) - Number(b) : undefined);
  if (distinct.length < 2)
    throw new FeatureError('INVALID_LABELS', `the target has ${distinct.length} distinct value${distinct.length === 1 ? '' : 's'}; classification needs at least two`);
  const index = new Map(distinct.map((l, i) => [l, i] as const));
  return { kind: 'classes', classes: cells.map((c) => index.get(c) ?? 0), labels: distinct };
}
