import { isColumnKey, type ColumnKey } from './columns';
import type { Grouping } from './layerOrder';
import type { SortSpec } from './layerTable';
import { DEFAULT_CHOICE, parseChoice, type RecommendChoice } from './rankMethod';

export const TABS = ['overview', 'layers', 'ranks', 'spectrum', 'mixer', 'predict'] as const;

export type TabId = (typeof TABS)[number];

/** What the webview restores when VS Code re-creates it (tab switch away and back, reload). */
export interface ViewState {
  readonly tab: TabId;
  readonly selected: number | null;
  readonly detailsOpen: boolean;
  readonly sort: SortSpec | null;
  readonly filter: string;
  readonly grouping: Grouping;
  /** Layers drawn on the spectrum chart; empty means "the selected one". */
  readonly spectrumLayers: readonly number[];
  /** Module type of the small multiples; null picks the first. */
  readonly moduleType: string | null;
  /** The recommended-rank method and parameter of the ranks view. */
  readonly recommend: RecommendChoice;
  /** Layer-table columns the user hid (the module column cannot be). */
  readonly hiddenColumns: readonly ColumnKey[];
  /** Layer-table column widths in CSS px the user dragged; absent columns size to fit. */
  readonly columnWidths: Readonly<Partial<Record<ColumnKey, number>>>;
}

export const INITIAL_VIEW_STATE: ViewState = {
  tab: 'layers',
  selected: null,
  detailsOpen: false,
  sort: null,
  filter: '',
  grouping: 'block',
  spectrumLayers: [],
  moduleType: null,
  recommend: DEFAULT_CHOICE,
  hiddenColumns: [],
  columnWidths: {},
};

/** Bounds of a dragged column width, in CSS px. */
export const MIN_COLUMN_WIDTH = 32;
export const MAX_COLUMN_WIDTH = 2000;

function parseWidths(raw: unknown): Partial<Record<ColumnKey, number>> {
  const widths: Partial<Record<ColumnKey, number>> = {};
  if (typeof raw !== 'object' || raw === null) return widths;
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (isColumnKey(key) && typeof value === 'number' && Number.isFinite(value)) {
      widths[key] = Math.round(Math.min(MAX_COLUMN_WIDTH, Math.max(MIN_COLUMN_WIDTH, value)));
    }
  }
  return widths;
}

function isIndex(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0;
}

/**
 * Reads saved state defensively: it was written by an older build or not at all, so every
 * field falls back on its own rather than discarding everything on one bad value.
 */
export function parseViewState(raw: unknown): ViewState {
  if (typeof raw !== 'object' || raw === null) return INITIAL_VIEW_STATE;
  const s = raw as Record<string, unknown>;
  const sort = s.sort as Record<string, unknown> | null | undefined;
  return {
    tab: TABS.includes(s.tab as TabId) ? (s.tab as TabId) : INITIAL_VIEW_STATE.tab,
    selected: isIndex(s.selected) ? s.selected : null,
    detailsOpen: s.detailsOpen === true,
    sort: sort && isColumnKey(sort.key) ? { key: sort.key, descending: sort.descending === true } : null,
    filter: typeof s.filter === 'string' ? s.filter.slice(0, 500) : '',
    grouping: s.grouping === 'moduleType' ? 'moduleType' : 'block',
    spectrumLayers: Array.isArray(s.spectrumLayers) ? s.spectrumLayers.filter(isIndex).slice(0, 16) : [],
    moduleType: typeof s.moduleType === 'string' ? s.moduleType : null,
    recommend: parseChoice(s.recommend),
    hiddenColumns: Array.isArray(s.hiddenColumns) ? [...new Set(s.hiddenColumns.slice(0, 64).filter(isColumnKey))].filter((k) => k !== 'module') : [],
    columnWidths: parseWidths(s.columnWidths),
  };
}
