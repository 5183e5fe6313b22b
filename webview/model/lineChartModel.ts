import { extent } from 'd3-array';
import { scaleLinear, scaleLog, type ScaleContinuousNumeric, type ScaleLinear } from 'd3-scale';

/** One line's data: x and y of equal length; a NaN y is a gap (a module missing at that step). */
export interface LineInput {
  readonly key: string;
  readonly label: string;
  /** Colour slot (0–5), mapped to a theme chart colour in CSS. */
  readonly slot: number;
  readonly xs: Float64Array;
  readonly ys: Float64Array;
}

export interface LineSeriesModel {
  readonly key: string;
  readonly label: string;
  readonly slot: number;
  /** SVG path data in pixels; a gap starts a new subpath. */
  readonly path: string;
  /** The finite points: data (x, y) and pixel (px, py), for dots and their titles. */
  readonly points: readonly { readonly x: number; readonly y: number; readonly px: number; readonly py: number }[];
}

export interface LineChartModel {
  readonly width: number;
  readonly height: number;
  readonly plot: { readonly left: number; readonly top: number; readonly right: number; readonly bottom: number };
  readonly x: ScaleLinear<number, number>;
  /** Linear, or logarithmic with `yScale: 'log'`. */
  readonly y: ScaleContinuousNumeric<number, number>;
  readonly yScale: 'linear' | 'log';
  readonly xLabel: string;
  readonly yLabel: string;
  /** Integer x ticks only (depths, checkpoint indices): no 2.5th layer. */
  readonly integerX: boolean;
  /** Integer y ticks only (counts: no half an intruder). */
  readonly integerY: boolean;
  readonly series: readonly LineSeriesModel[];
  /** Distinct slots with their label, for the legend. */
  readonly legend: readonly { readonly label: string; readonly slot: number }[];
}

export interface LineChartOptions {
  readonly width: number;
  readonly height: number;
  readonly xLabel: string;
  readonly yLabel: string;
  /** Fixed y range (cosines in [−1, 1], angles in [0, 90]); default: the data's, padded by nice(). */
  readonly yDomain?: readonly [number, number];
  readonly integerX?: boolean;
  readonly integerY?: boolean;
  /**
   * `log` for ratios spanning decades (amplification): values ≤ 0 or non-finite become gaps,
   * as they have no place on a log axis. Default `linear`.
   */
  readonly yScale?: 'linear' | 'log';
  /** Legend entries; default one per series. */
  readonly legend?: readonly { readonly label: string; readonly slot: number }[];
}

const MARGIN = { left: 48, top: 20, right: 16, bottom: 36 };

/** Scales and pixel paths for a few lines on shared axes (per-depth similarity, convergence curves). */
export function lineChartModel(lines: readonly LineInput[], options: LineChartOptions): LineChartModel {
  const plot = { left: MARGIN.left, top: MARGIN.top, right: options.width - MARGIN.right, bottom: options.height - MARGIN.bottom };
  const log = options.yScale === 'log';
  const usable = (v: number) => Number.isFinite(v) && (!log || v > 0);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const l of lines) {
    for (let i = 0; i < l.xs.length; i++) {
      if (Number.isFinite(l.xs[i]) && usable(l.ys[i])) {
        xs.push(l.xs[i]);
        ys.push(l.ys[i]);
      }
    }
  }
  const [x0, x1] = extent(xs);
  const x = scaleLinear()
    .domain(x0 === undefined || x1 === undefined ? [0, 1] : x0 === x1 ? [x0 - 1, x1 + 1] : [x0, x1])
    .range([plot.left, plot.right]);
  const [y0, y1] = extent(ys);
  const yDomain = options.yDomain ?? (log ? logDomain(y0, y1) : y0 === undefined || y1 === undefined ? [0, 1] : y0 === y1 ? [y0 - 1, y1 + 1] : [y0, y1]);
  const y: ScaleContinuousNumeric<number, number> = (log ? scaleLog() : scaleLinear()).domain([yDomain[0], yDomain[1]]).range([plot.bottom, plot.top]);
  if (!options.yDomain) y.nice();
  const series = lines.map((l): LineSeriesModel => {
    let path = '';
    let pen = false;
    const points: { x: number; y: number; px: number; py: number }[] = [];
    for (let i = 0; i < l.xs.length; i++) {
      if (!Number.isFinite(l.xs[i]) || !usable(l.ys[i])) {
        pen = false;
        continue;
      }
      const px = x(l.xs[i]);
      const py = y(l.ys[i]);
      path += `${pen ? 'L' : 'M'}${px},${py}`;
      pen = true;
      points.push({ x: l.xs[i], y: l.ys[i], px, py });
    }
    return { key: l.key, label: l.label, slot: l.slot, path, points };
  });
  const legend = options.legend ?? lines.map((l) => ({ label: l.label, slot: l.slot }));
  return {
    width: options.width,
    height: options.height,
    plot,
    x,
    y,
    xLabel: options.xLabel,
    yLabel: options.yLabel,
    integerX: options.integerX ?? false,
    integerY: options.integerY ?? false,
    yScale: log ? 'log' : 'linear',
    series,
    legend,
  };
}

/** A log axis' range: the data's, or one decade around a single value, or [1, 10] with none. */
function logDomain(lo: number | undefined, hi: number | undefined): [number, number] {
  if (lo === undefined || hi === undefined) return [1, 10];
  return lo === hi ? [lo / Math.sqrt(10), hi * Math.sqrt(10)] : [lo, hi];
}
