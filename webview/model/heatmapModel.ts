import type { DenseMatrixPayload } from '../../src/protocol/payloads';

export interface HeatmapCell {
  readonly row: number;
  readonly col: number;
  readonly value: number;
}

export interface HeatmapModel {
  readonly rows: number;
  readonly cols: number;
  readonly cell: number;
  /** Cell size in CSS pixels along x and y: `cell` both ways for a square matrix view. */
  readonly cellWidth: number;
  readonly cellHeight: number;
  readonly width: number;
  readonly height: number;
  /** Largest |value|: the colour scale is symmetric so that zero is always the background. */
  readonly maxAbs: number;
  /** value / maxAbs per cell, row-major (the order the canvas is painted in), in [-1, 1]. */
  readonly normalized: Float32Array;
  readonly matrix: DenseMatrixPayload;
}

/** Cells are at least this many pixels, so a rank-1 or rank-2 core is still visible. */
const MIN_CELL = 6;
const MAX_CELL = 40;

/** The heatmap of an r×r matrix stored column-major, fitted into `size` pixels square. */
export function heatmapModel(matrix: DenseMatrixPayload, size: number): HeatmapModel {
  const { rows, cols, values } = matrix;
  const cell = Math.max(MIN_CELL, Math.min(MAX_CELL, Math.floor(size / Math.max(rows, cols, 1))));
  let maxAbs = 0;
  for (const v of values) if (Number.isFinite(v)) maxAbs = Math.max(maxAbs, Math.abs(v));
  const normalized = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = valueAt(matrix, i, j);
      normalized[i * cols + j] = maxAbs > 0 && Number.isFinite(v) ? v / maxAbs : 0;
    }
  }
  return { rows, cols, cell, cellWidth: cell, cellHeight: cell, width: cols * cell, height: rows * cell, maxAbs, normalized, matrix };
}

/**
 * A heatmap on a fixed colour scale: value / `scale` (cosines and φ on scale 1), so maps of
 * different modules and adapters read alike, with cells of `cellWidth × cellHeight` pixels.
 * Non-finite values (a module not compared) paint as the background.
 */
export function fixedScaleHeatmap(matrix: DenseMatrixPayload, scale: number, cellWidth: number, cellHeight: number): HeatmapModel {
  const { rows, cols } = matrix;
  const normalized = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = valueAt(matrix, i, j);
      normalized[i * cols + j] = Number.isFinite(v) && scale > 0 ? Math.max(-1, Math.min(1, v / scale)) : 0;
    }
  }
  return { rows, cols, cell: Math.min(cellWidth, cellHeight), cellWidth, cellHeight, width: cols * cellWidth, height: rows * cellHeight, maxAbs: scale, normalized, matrix };
}

/** Element (i, j) of a column-major matrix. */
export function valueAt(matrix: DenseMatrixPayload, row: number, col: number): number {
  return matrix.values[col * matrix.rows + row];
}

/** The cell under a point in canvas CSS pixels, or null outside the matrix. */
export function cellAt(model: HeatmapModel, x: number, y: number): HeatmapCell | null {
  if (!(x >= 0 && y >= 0)) return null;
  const col = Math.floor(x / model.cellWidth);
  const row = Math.floor(y / model.cellHeight);
  if (row >= model.rows || col >= model.cols) return null;
  return { row, col, value: valueAt(model.matrix, row, col) };
}

export interface Rgb {
  readonly r: number;
  readonly g: number;
  readonly b: number;
}

/**
 * The diverging colour of t ∈ [-1, 1]: `negative` at −1, `zero` at 0, `positive` at +1,
 * mixed linearly. The three colours come from the theme, so the map follows light, dark and
 * high contrast without a palette of its own.
 */
export function divergingColor(t: number, negative: Rgb, zero: Rgb, positive: Rgb): Rgb {
  const clamped = Math.max(-1, Math.min(1, Number.isFinite(t) ? t : 0));
  const end = clamped < 0 ? negative : positive;
  const w = Math.abs(clamped);
  return {
    r: Math.round(zero.r + (end.r - zero.r) * w),
    g: Math.round(zero.g + (end.g - zero.g) * w),
    b: Math.round(zero.b + (end.b - zero.b) * w),
  };
}

/**
 * Parses `#rgb`, `#rrggbb(aa)`, `rgb(a)(r, g, b…)` or `color(srgb r g b…)`, as a canvas reports a
 * colour back: Chromium keeps the `color(srgb …)` form (channels 0–1) for colours that a theme
 * variable made with relative colour syntax (the `--ll-*` series colours in media/webview.css).
 */
export function parseColor(text: string): Rgb | null {
  const t = text.trim();
  const srgb = /^color\(\s*srgb\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)/i.exec(t);
  if (srgb) {
    const channel = (v: string) => Math.round(255 * Math.min(1, Math.max(0, Number(v))));
    return { r: channel(srgb[1]), g: channel(srgb[2]), b: channel(srgb[3]) };
  }
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(t);
  if (hex) {
    const h = hex[1].length === 3 ? [...hex[1]].map((c) => c + c).join('') : hex[1].slice(0, 6);
    return { r: parseInt(h.slice(0, 2), 16), g: parseInt(h.slice(2, 4), 16), b: parseInt(h.slice(4, 6), 16) };
  }
  const rgb = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(t);
  if (rgb) return { r: Math.round(Number(rgb[1])), g: Math.round(Number(rgb[2])), b: Math.round(Number(rgb[3])) };
  return null;
}
