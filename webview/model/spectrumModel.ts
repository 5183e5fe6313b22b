import { logTicks } from './logTicks';
import { scaleLinear, scaleLog, type ScaleLinear, type ScaleLogarithmic } from 'd3-scale';

/**
 * σ below this share of the largest value shown are dropped from the log plot: they are at the
 * level of float64 rounding of the core SVD (≈ 1e-16 relative), and a log axis stretched to
 * reach an exact zero or rounding noise would flatten every real value into the top band.
 */
export const SIGMA_FLOOR = 1e-14;

export interface SpectrumInput {
  readonly index: number;
  readonly name: string;
  readonly singularValues: Float64Array;
}

export interface Box {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/** One layer's curves in pixels: x,y pairs interleaved. */
export interface SpectrumSeries {
  readonly index: number;
  readonly name: string;
  readonly sigma: Float64Array;
  readonly energy: Float64Array;
}

export interface SpectrumModel {
  readonly width: number;
  readonly height: number;
  /** Top panel: σ_i on a log scale. Bottom panel: cumulative energy in [0, 1]. */
  readonly sigmaBox: Box;
  readonly energyBox: Box;
  readonly x: ScaleLinear<number, number>;
  readonly ySigma: ScaleLogarithmic<number, number>;
  /** Ticks of the σ axis: 1, 2, 5 × 10ᵏ as far as the panel's height keeps them apart. */
  readonly sigmaTicks: readonly number[];
  readonly yEnergy: ScaleLinear<number, number>;
  readonly series: readonly SpectrumSeries[];
}

/** Σ_{i≤k} σ_i² / Σ σ², k = 1…r; all zeros for a zero spectrum. */
export function cumulativeEnergy(sigma: Float64Array): Float64Array {
  const out = new Float64Array(sigma.length);
  let total = 0;
  for (const s of sigma) total += s * s;
  if (total === 0) return out;
  let running = 0;
  for (let i = 0; i < sigma.length; i++) {
    running += sigma[i] * sigma[i];
    out[i] = running / total;
  }
  return out;
}

/** The log axis range over every series: from the smallest shown σ to the largest. */
export function sigmaDomain(inputs: readonly SpectrumInput[]): [number, number] {
  let max = 0;
  for (const input of inputs) for (const s of input.singularValues) if (s > max) max = s;
  if (!(max > 0)) return [1e-3, 1];
  let min = max;
  for (const input of inputs) for (const s of input.singularValues) if (s >= max * SIGMA_FLOOR && s < min) min = s;
  return min === max ? [max / 10, max * 10] : [min, max];
}

/** Pixel points of one spectrum; values under the floor are left out rather than clamped. */
export function sigmaPoints(sigma: Float64Array, x: (i: number) => number, y: (v: number) => number, floor: number): Float64Array {
  const points: number[] = [];
  sigma.forEach((s, i) => {
    if (s >= floor && s > 0) points.push(x(i + 1), y(s));
  });
  return Float64Array.from(points);
}

/** Room between the panels for the σ panel's x axis and the energy panel's title. */
const GAP = 40;

export function spectrumModel(inputs: readonly SpectrumInput[], width: number, height: number): SpectrumModel {
  const margin = { left: 56, right: 16, top: 18, bottom: 28 };
  const panel = (height - margin.top - margin.bottom - GAP) / 2;
  const sigmaBox = { left: margin.left, right: width - margin.right, top: margin.top, bottom: margin.top + panel * 1.2 };
  const energyBox = { left: margin.left, right: width - margin.right, top: sigmaBox.bottom + GAP, bottom: height - margin.bottom };
  const maxRank = inputs.reduce((k, i) => Math.max(k, i.singularValues.length), 1);
  const x = scaleLinear()
    .domain([1, Math.max(2, maxRank)])
    .range([sigmaBox.left, sigmaBox.right]);
  const [min, max] = sigmaDomain(inputs);
  const ySigma = scaleLog().domain([min, max]).range([sigmaBox.bottom, sigmaBox.top]).nice();
  const yEnergy = scaleLinear().domain([0, 1]).range([energyBox.bottom, energyBox.top]);
  const floor = max * SIGMA_FLOOR;
  const series = inputs.map((input) => {
    const energy = cumulativeEnergy(input.singularValues);
    const energyPoints = new Float64Array(energy.length * 2);
    energy.forEach((e, i) => {
      energyPoints[2 * i] = x(i + 1);
      energyPoints[2 * i + 1] = yEnergy(e);
    });
    return { index: input.index, name: input.name, sigma: sigmaPoints(input.singularValues, x, ySigma, floor), energy: energyPoints };
  });
  const [lowest, highest] = ySigma.domain();
  const sigmaTicks = logTicks(lowest, highest, sigmaBox.bottom - sigmaBox.top);
  return { width, height, sigmaBox, energyBox, x, ySigma, sigmaTicks, yEnergy, series };
}
