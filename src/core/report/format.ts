/** Number formatting shared by the text, Markdown and CSV reports. */

/** 4 significant digits; exponent form outside [1e-3, 1e6); "–" for a missing value. */
export function formatNumber(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined) return '–';
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const magnitude = Math.abs(x);
  if (magnitude >= 1e6 || magnitude < 1e-3) return x.toExponential(digits - 1);
  return String(Number(x.toPrecision(digits)));
}

/** A shape as `m×n`, with the conv kernel when there is one. */
export function formatShape(shape: readonly number[], kernel?: readonly number[]): string {
  return kernel && kernel.length > 0 ? `${shape[0]}×${shape[1]} (k ${kernel.join('×')})` : shape.join('×');
}

/** A percentage with no decimals. */
export function formatPercent(x: number | null): string {
  return x === null ? '–' : `${Math.round(x * 100)}%`;
}
