import { scaleLinear, scaleLog, type ScaleLinear, type ScaleLogarithmic } from 'd3-scale';
import type { LayerAnalysis, LayerRow } from '../../src/protocol/payloads';
import { compareByDepth } from './layerOrder';
import { SIGMA_FLOOR, sigmaPoints } from './spectrumModel';

export interface MultiplePanel {
  readonly index: number;
  readonly name: string;
  readonly depth: number | null;
  /** σ_i / σ_1 in panel pixels, x,y interleaved; empty while the layer is not analysed. */
  readonly points: Float64Array;
  readonly analysed: boolean;
}

export interface MultiplesModel {
  readonly panelWidth: number;
  readonly panelHeight: number;
  readonly x: ScaleLinear<number, number>;
  readonly y: ScaleLogarithmic<number, number>;
  readonly panels: readonly MultiplePanel[];
}

/**
 * Small multiples of one module type through depth. Each spectrum is divided by its own σ1
 * so that shapes compare across layers whose scales differ by orders of magnitude; the shared
 * log axis then runs from the smallest kept ratio to 1.
 */
export function multiplesModel(
  layers: readonly LayerRow[],
  results: ReadonlyMap<number, LayerAnalysis>,
  moduleType: string,
  panelWidth: number,
  panelHeight: number,
): MultiplesModel {
  const rows = layers.filter((l) => l.moduleType === moduleType).sort(compareByDepth);
  let maxRank = 2;
  let minRatio = 1;
  const ratios = new Map<number, Float64Array>();
  for (const row of rows) {
    const result = results.get(row.index);
    if (result?.status !== 'ok' || result.singularValues.length === 0) continue;
    const s1 = result.singularValues[0];
    if (!(s1 > 0)) continue;
    const ratio = result.singularValues.map((s) => s / s1);
    ratios.set(row.index, ratio);
    maxRank = Math.max(maxRank, ratio.length);
    for (const r of ratio) if (r >= SIGMA_FLOOR && r < minRatio) minRatio = r;
  }
  const pad = 4;
  const x = scaleLinear()
    .domain([1, maxRank])
    .range([pad, panelWidth - pad]);
  const y = scaleLog()
    .domain([Math.min(minRatio, 0.1), 1])
    .range([panelHeight - pad, pad + 14]);
  const panels = rows.map((row) => {
    const ratio = ratios.get(row.index);
    return {
      index: row.index,
      name: row.name,
      depth: row.depth,
      points: ratio ? sigmaPoints(ratio, x, y, SIGMA_FLOOR) : new Float64Array(0),
      analysed: ratio !== undefined,
    };
  });
  return { panelWidth, panelHeight, x, y, panels };
}
