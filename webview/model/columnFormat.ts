import { formatInteger, formatPercent, MISSING } from './format';

/**
 * One number format per table column, chosen from the column's own values, so a column reads
 * down with the decimal points aligned instead of each cell picking its own precision.
 * Integers stay integers; a share stays a percentage; anything else shows four significant
 * digits of its smallest non-zero value with the same decimals on every row, or, when the
 * column spans too many decades for that (or is very large or very small), the same
 * exponent form on every row.
 */
export type ColumnStyle = 'integer' | 'percent' | 'real';

/** Beyond this many decimals, or this ratio of largest to smallest, a column switches to exponents. */
const MAX_DECIMALS = 6;
const MAX_SPAN = 1e4;
const MAX_FIXED = 1e6;

export interface ColumnFormat {
  readonly text: (value: number | null) => string;
  /** The decimals of the fixed form, or null for exponents and integers (for tests and docs). */
  readonly decimals: number | null;
}

function infinity(value: number): string {
  return value > 0 ? '∞' : '−∞';
}

export function columnFormat(values: readonly (number | null)[], style: ColumnStyle): ColumnFormat {
  if (style === 'percent') return { text: formatPercent, decimals: 1 };
  let allIntegers = true;
  let smallest = Infinity;
  let largest = 0;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    if (!Number.isInteger(v)) allIntegers = false;
    const magnitude = Math.abs(v);
    if (magnitude > 0 && magnitude < smallest) smallest = magnitude;
    if (magnitude > largest) largest = magnitude;
  }
  const guard = (show: (v: number) => string) => (value: number | null) => {
    if (value === null || Number.isNaN(value)) return MISSING;
    if (!Number.isFinite(value)) return infinity(value);
    return show(value);
  };
  if (style === 'integer' || (allIntegers && largest < MAX_FIXED)) return { text: guard((v) => formatInteger(v)), decimals: null };
  if (smallest === Infinity) return { text: guard((v) => v.toFixed(0)), decimals: 0 };
  const decimals = Math.max(0, 3 - Math.floor(Math.log10(smallest)));
  if (decimals > MAX_DECIMALS || largest >= MAX_FIXED || largest / smallest > MAX_SPAN) {
    return { text: guard((v) => (v === 0 ? '0' : v.toExponential(3).replace('e+', 'e'))), decimals: null };
  }
  return { text: guard((v) => v.toFixed(decimals)), decimals };
}

/**
 * Where a value sits in its column, for the in-cell bar: its share of the largest magnitude,
 * and whether it is an outlier by the robust z-score |v − median| / (1.4826·MAD) > 3.5, which
 * a handful of extreme modules cannot hide by inflating the spread the way they would a
 * standard deviation.
 */
export interface ColumnScale {
  readonly share: (value: number | null) => number | null;
  readonly outlier: (value: number | null) => boolean;
}

export const OUTLIER_Z = 3.5;

function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function columnScale(values: readonly (number | null)[]): ColumnScale {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  let largest = 0;
  for (const v of finite) largest = Math.max(largest, Math.abs(v));
  const sorted = [...finite].sort((a, b) => a - b);
  const centre = sorted.length > 0 ? median(sorted) : 0;
  const deviations = sorted.map((v) => Math.abs(v - centre)).sort((a, b) => a - b);
  const spread = deviations.length > 0 ? 1.4826 * median(deviations) : 0;
  return {
    share: (value) => {
      if (value === null || Number.isNaN(value)) return null;
      if (!Number.isFinite(value)) return 1;
      return largest > 0 ? Math.abs(value) / largest : 0;
    },
    outlier: (value) => {
      if (value === null || Number.isNaN(value) || finite.length < 5) return false;
      if (!Number.isFinite(value)) return true;
      // A column with no spread (all equal but a few) still flags the few that differ.
      if (spread === 0) return value !== centre;
      return Math.abs(value - centre) / spread > OUTLIER_Z;
    },
  };
}
