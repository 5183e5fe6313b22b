import type { LayerAnalysis, LayerRow } from '../../src/protocol/payloads';
import type { RankPlanPayload } from '../../src/protocol/resizePayloads';
import { thinPositions } from '../charts/ticks';
import { groupLayers } from './layerOrder';
import { shortLabels } from './shortLabels';

/** What the overview colours its cells by. */
export type OverviewMetric = 'effective' | 'r95' | 'utilization' | 'frobenius' | 'kept' | 'error';

export interface OverviewMetricInfo {
  readonly key: OverviewMetric;
  readonly label: string;
  /** Kept rank and error come from the recommendation, not from the analysis. */
  readonly fromPlan: boolean;
}

export const OVERVIEW_METRICS: readonly OverviewMetricInfo[] = [
  { key: 'effective', label: 'effective rank', fromPlan: false },
  { key: 'r95', label: 'r95', fromPlan: false },
  { key: 'utilization', label: 'utilization', fromPlan: false },
  { key: 'frobenius', label: '‖ΔW‖_F', fromPlan: false },
  { key: 'kept', label: 'recommended rank', fromPlan: true },
  { key: 'error', label: 'relative error of the recommendation', fromPlan: true },
];

export function isOverviewMetric(value: string): value is OverviewMetric {
  return OVERVIEW_METRICS.some((m) => m.key === value);
}

export function metricInfo(metric: OverviewMetric): OverviewMetricInfo {
  return OVERVIEW_METRICS.find((m) => m.key === metric) ?? OVERVIEW_METRICS[0];
}

/** A bar chart of part of the adapter: one module type through depth, or one layer's modules. */
export interface OverviewGroup {
  readonly kind: 'moduleType' | 'block';
  readonly key: string;
}

/** Layers (blocks, in depth order) across, module types down; each cell one module. */
export interface OverviewGrid {
  /** Block keys, `(no block)` for modules outside any. */
  readonly columns: readonly string[];
  readonly rows: readonly OverviewRow[];
  /** Layer index per cell, row-major, -1 where that layer has no module of that type. */
  readonly cells: Int32Array;
}

export interface OverviewRow {
  readonly moduleType: string;
  /** A type that occurs twice in one block gets a second row, so no module is hidden. */
  readonly occurrence: number;
}

const NO_BLOCK = '(no block)';

export function blockKey(row: LayerRow): string {
  return row.block ?? NO_BLOCK;
}

/**
 * The most cells a map may have (8 MiB of indices, and a canvas a view can draw). Rows and
 * columns both come from the file's module names: names like `layers.{i}.t{i}` make every
 * module its own block and its own type, so 40,000 modules would ask for 1.6 G cells.
 */
export const MAX_OVERVIEW_CELLS = 2 ** 21;

interface OverviewShape {
  readonly columns: ReturnType<typeof groupLayers>;
  readonly rows: readonly OverviewRow[];
  readonly rowOf: ReadonlyMap<string, number>;
}

/** The map's columns and rows, without its cells. */
function overviewShape(layers: readonly LayerRow[]): OverviewShape {
  const columns = groupLayers(layers, 'block');
  const types = groupLayers(layers, 'moduleType').map((g) => g.key);
  // Rows per type: as many as the most modules of that type any one block holds.
  const occurrences = new Map<string, number>();
  for (const column of columns) {
    const counts = new Map<string, number>();
    for (const row of column.rows) counts.set(row.moduleType, (counts.get(row.moduleType) ?? 0) + 1);
    for (const [type, n] of counts) occurrences.set(type, Math.max(occurrences.get(type) ?? 0, n));
  }
  const rows: OverviewRow[] = [];
  const rowOf = new Map<string, number>();
  for (const type of new Set(types)) {
    const n = occurrences.get(type) ?? 1;
    for (let k = 0; k < n; k++) {
      rowOf.set(`${k}\u0000${type}`, rows.length);
      rows.push({ moduleType: type, occurrence: k });
    }
  }
  return { columns, rows, rowOf };
}

/** The map's size as rows × columns, without building it: above MAX_OVERVIEW_CELLS there is no map. */
export function overviewSize(layers: readonly LayerRow[]): { readonly rows: number; readonly columns: number; readonly cells: number; readonly firstType: string | undefined } {
  const { rows, columns } = overviewShape(layers);
  return { rows: rows.length, columns: columns.length, cells: rows.length * columns.length, firstType: rows[0]?.moduleType };
}

/** The map of the layers; throws RangeError above MAX_OVERVIEW_CELLS (check overviewSize first). */
export function overviewGrid(layers: readonly LayerRow[]): OverviewGrid {
  const { columns, rows, rowOf } = overviewShape(layers);
  if (rows.length * columns.length > MAX_OVERVIEW_CELLS) throw new RangeError(`rank overview: ${rows.length} × ${columns.length} cells is more than ${MAX_OVERVIEW_CELLS}`);
  const cells = new Int32Array(rows.length * columns.length).fill(-1);
  columns.forEach((column, c) => {
    const seen = new Map<string, number>();
    for (const row of column.rows) {
      const k = seen.get(row.moduleType) ?? 0;
      seen.set(row.moduleType, k + 1);
      const r = rowOf.get(`${k}\u0000${row.moduleType}`);
      if (r !== undefined) cells[r * columns.length + c] = row.index;
    }
  });
  return { columns: columns.map((g) => g.key), rows, cells };
}

/** One value per layer index for the metric; NaN where there is none (not analysed, skipped, not in the plan). */
export function metricValues(layers: readonly LayerRow[], results: ReadonlyMap<number, LayerAnalysis>, plan: RankPlanPayload | null, metric: OverviewMetric): Map<number, number> {
  const values = new Map<number, number>();
  if (metricInfo(metric).fromPlan) {
    if (!plan) return values;
    plan.indices.forEach((index, i) => values.set(index, metric === 'kept' ? plan.kept[i] : plan.relativeError[i]));
    return values;
  }
  for (const row of layers) {
    const result = results.get(row.index);
    if (result?.status !== 'ok') continue;
    const m = result.metrics;
    const v = metric === 'effective' ? m.effectiveRank : metric === 'r95' ? m.r95 : metric === 'utilization' ? m.utilization : m.frobenius;
    if (Number.isFinite(v)) values.set(row.index, v);
  }
  return values;
}

/** The colour scale's range: the values' own, so the layers that differ stand out. */
export function valueDomain(values: ReadonlyMap<number, number>): [number, number] | null {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values.values()) {
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (!(lo <= hi)) return null;
  if (lo === hi) return lo === 0 ? [0, 1] : [Math.min(0, lo), Math.max(0, hi)];
  return [lo, hi];
}

/** Position of a value on the scale in [0, 1]. */
export function scalePosition(value: number, domain: readonly [number, number]): number {
  const span = domain[1] - domain[0];
  if (!(span > 0) || !Number.isFinite(value)) return 0;
  return Math.max(0, Math.min(1, (value - domain[0]) / span));
}

export interface OverviewTick {
  readonly at: number;
  /** Centre of the column or row, in pixels. */
  readonly position: number;
  readonly label: string;
}

export interface OverviewLayout {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly top: number;
  readonly cellWidth: number;
  readonly cellHeight: number;
  readonly xTicks: readonly OverviewTick[];
  readonly yTicks: readonly OverviewTick[];
  /** Every column's and row's short label (hover text and thinned ticks share them). */
  readonly columnLabels: readonly string[];
  readonly rowLabels: readonly string[];
}

/** Characters a label may keep; about 6 px each at the chart's 10 px font. */
const X_LABEL_CHARS = 20;
const Y_LABEL_CHARS = 18;
const CHAR_PX = 6;
/** Rotated labels are a line apart at least, horizontal ones likewise. */
const TICK_GAP = 13;
const RIGHT = 12;
const TOP = 6;
const MAX_CELL_WIDTH = 48;

export function rowName(row: OverviewRow): string {
  return row.occurrence === 0 ? row.moduleType : `${row.moduleType} (${row.occurrence + 1})`;
}

/** Fits the grid into `width` pixels: cells shrink, no scrolling; labels thin out so none overlap. */
export function overviewLayout(grid: OverviewGrid, width: number): OverviewLayout {
  const columnLabels = shortLabels(grid.columns, X_LABEL_CHARS);
  const rowLabels = shortLabels(grid.rows.map(rowName), Y_LABEL_CHARS);
  let longestRow = 1;
  for (const l of rowLabels) longestRow = Math.max(longestRow, l.length);
  let longestColumn = 1;
  for (const l of columnLabels) longestColumn = Math.max(longestColumn, l.length);
  const left = 8 + longestRow * CHAR_PX;
  const bottom = 10 + longestColumn * CHAR_PX;
  const cols = Math.max(1, grid.columns.length);
  const rows = Math.max(1, grid.rows.length);
  const cellWidth = Math.min(MAX_CELL_WIDTH, Math.max(1, (width - left - RIGHT) / cols));
  const cellHeight = rows <= 12 ? 22 : Math.max(6, Math.floor(264 / rows));
  const xCentres = grid.columns.map((_k, c) => left + (c + 0.5) * cellWidth);
  const yCentres = grid.rows.map((_r, r) => TOP + (r + 0.5) * cellHeight);
  const xTicks = thinPositions(xCentres, TICK_GAP).map((c) => ({ at: c, position: xCentres[c], label: columnLabels[c] }));
  const yTicks = thinPositions(yCentres, TICK_GAP).map((r) => ({ at: r, position: yCentres[r], label: rowLabels[r] }));
  return {
    width: Math.ceil(left + cols * cellWidth + RIGHT),
    height: Math.ceil(TOP + rows * cellHeight + bottom),
    left,
    top: TOP,
    cellWidth,
    cellHeight,
    xTicks,
    yTicks,
    columnLabels,
    rowLabels,
  };
}

/** The cell under a point in the chart's pixels, or null off the grid. */
export function cellAtPoint(grid: OverviewGrid, layout: OverviewLayout, x: number, y: number): { row: number; col: number } | null {
  const col = Math.floor((x - layout.left) / layout.cellWidth);
  const row = Math.floor((y - layout.top) / layout.cellHeight);
  if (!(col >= 0 && row >= 0 && col < grid.columns.length && row < grid.rows.length)) return null;
  return { row, col };
}

/** The modules a group's bar chart shows. */
export function groupRows(layers: readonly LayerRow[], group: OverviewGroup): LayerRow[] {
  return layers.filter((row) => (group.kind === 'block' ? blockKey(row) === group.key : row.moduleType === group.key));
}

/** Module count above which the ranks view opens on the overview: more bars than a view shows readably. */
export const OVERVIEW_MIN_MODULES = 49;
