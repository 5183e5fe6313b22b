import { format } from 'd3-format';

/**
 * Number formatting shared by the table, the charts and the details pane. Spectra span many
 * decades, so magnitudes outside [1e-3, 1e5) switch to exponent form rather than printing
 * a run of zeros that hides the leading digits.
 */
const general = format('.4~g');
const exponent = format('.3~e');
const grouped = format(',');

/** A dash for a value that does not exist (yet): a missing metric, a pending analysis. */
export const MISSING = '—';

export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return MISSING;
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5)) return exponent(value);
  return general(value);
}

export function formatInteger(value: number): string {
  return grouped(value);
}

/** A share in [0, 1] as a percentage with one decimal. */
export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return MISSING;
  return `${(value * 100).toFixed(1)}%`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

export function formatShape(dims: readonly number[]): string {
  return dims.length === 0 ? 'scalar' : dims.join('×');
}
