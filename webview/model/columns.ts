import type { LayerAnalysis, LayerMetrics, LayerRow } from '../../src/protocol/payloads';
import type { ColumnStyle } from './columnFormat';
import { formatNumber, formatPercent, MISSING } from './format';

export type ColumnKey = 'module' | 'kind' | 'shape' | 'rank' | 'alpha' | 'scale' | 'frobenius' | 'sigma1' | 'effectiveRank' | 'stableRank' | 'r95' | 'utilization' | 'dominance';

/** A sort key: a number, a string, or null for a value that is not known. */
export type CellValue = number | string | null;

export interface Column {
  readonly key: ColumnKey;
  readonly label: string;
  /** Header tooltip: what the metric means, since the labels are short. */
  readonly title: string;
  readonly numeric: boolean;
  /** Whether the value comes from the analysis (and so fills in as results stream). */
  readonly analysed: boolean;
  readonly value: (row: LayerRow, result: LayerAnalysis | undefined) => CellValue;
  readonly text: (row: LayerRow, result: LayerAnalysis | undefined) => string;
  /** How the table formats the column's numbers (one format per column); absent: the text as is. */
  readonly style?: ColumnStyle;
  /** Whether the cells carry a bar of their value's share of the column's largest. */
  readonly bar?: boolean;
}

function metric(pick: (m: LayerMetrics) => number | null, show: (v: number | null) => string = formatNumber, style: ColumnStyle = 'real') {
  return {
    numeric: true,
    analysed: true,
    style,
    bar: true,
    value: (_row: LayerRow, result: LayerAnalysis | undefined): CellValue => (result?.status === 'ok' ? pick(result.metrics) : null),
    text: (_row: LayerRow, result: LayerAnalysis | undefined): string => {
      if (!result) return MISSING;
      if (result.status === 'skipped') return 'skipped';
      return show(pick(result.metrics));
    },
  };
}

/** `linear`, `conv`, `embedding`; a LyCORIS product says what it is first (`LoKr`, `LoKr conv`), since its rank reads differently. */
export function kindText(row: LayerRow): string {
  if (!row.structure) return row.kind;
  return row.kind === 'linear' ? row.structure.algorithm : `${row.structure.algorithm} ${row.kind}`;
}

/** The layer table's columns, in display order. */
export const COLUMNS: readonly Column[] = [
  { key: 'module', label: 'Module', title: 'Adapted module', numeric: false, analysed: false, value: (r) => r.name, text: (r) => r.name },
  { key: 'kind', label: 'Kind', title: 'linear, conv or embedding; LoKr or LoHa for LyCORIS products', numeric: false, analysed: false, value: kindText, text: kindText },
  {
    key: 'shape',
    label: 'm×n',
    title: 'ΔW is m×n (out × in); sorted by m·n',
    numeric: true,
    analysed: false,
    value: (r) => r.rows * r.cols,
    text: (r) => `${r.rows}×${r.cols}`,
  },
  { key: 'rank', label: 'r', title: 'Configured rank', numeric: true, analysed: false, value: (r) => r.rank, text: (r) => String(r.rank), style: 'integer' },
  { key: 'alpha', label: 'α', title: 'Alpha, as configured or stored', numeric: true, analysed: false, value: (r) => r.alpha, text: (r) => formatNumber(r.alpha), style: 'real' },
  { key: 'scale', label: 's', title: 'Scale s in ΔW = s·B·M·A', numeric: true, analysed: false, value: (r) => r.scale, text: (r) => formatNumber(r.scale), style: 'real' },
  { key: 'frobenius', label: '‖ΔW‖F', title: 'Frobenius norm of ΔW', ...metric((m) => m.frobenius) },
  { key: 'sigma1', label: 'σ1', title: 'Largest singular value of ΔW', ...metric((m) => m.sigma1) },
  { key: 'effectiveRank', label: 'Eff. rank', title: 'Effective rank exp(−Σ p ln p), p = σ²/Σσ²', ...metric((m) => m.effectiveRank) },
  { key: 'stableRank', label: 'Stable rank', title: '‖ΔW‖F² / σ1²', ...metric((m) => m.stableRank) },
  { key: 'r95', label: 'r95', title: 'Smallest k holding 95% of the energy', ...metric((m) => m.r95, formatNumber, 'integer') },
  { key: 'utilization', label: 'Util.', title: 'Effective rank / r', ...metric((m) => m.utilization, formatPercent, 'percent') },
  { key: 'dominance', label: 'σ1/σ2', title: 'Dominance: large means rank-1 behaviour', ...metric((m) => m.dominanceRatio) },
];

export function columnOf(key: ColumnKey): Column {
  const column = COLUMNS.find((c) => c.key === key);
  if (!column) throw new Error(`unknown column '${key}'`);
  return column;
}

export function isColumnKey(value: unknown): value is ColumnKey {
  return typeof value === 'string' && COLUMNS.some((c) => c.key === value);
}
