import { scaleLinear, type ScaleLinear } from 'd3-scale';
import type { RankPlanPayload } from '../../src/protocol/resizePayloads';
import { formatInteger, formatNumber, formatPercent } from './format';
import type { RankChartModel } from './rankChartModel';

/** One layer's recommendation placed on the ranks chart. */
export interface RecommendMarker {
  readonly index: number;
  readonly rank: number;
  readonly kept: number;
  readonly relativeError: number;
  /** Left edge and width of the marker, which spans the layer's three bars. */
  readonly x: number;
  readonly width: number;
  /** The kept rank on the rank axis. */
  readonly y: number;
  /** The relative error on the right-hand error axis. */
  readonly errorY: number;
}

export interface RecommendOverlay {
  readonly markers: readonly RecommendMarker[];
  /** Relative error (a fraction) to pixels, for the right-hand axis. */
  readonly error: ScaleLinear<number, number>;
  /** Where the error axis stands: just right of the last layer, not at the far edge of a wide chart. */
  readonly axisX: number;
  /** The error line, one polyline per group so it does not bridge the gaps between groups. */
  readonly errorLines: readonly (readonly (readonly [number, number])[])[];
  readonly caption: string;
}

const AXIS_GAP = 8;

/**
 * Places a recommendation on the chart: a marker at the kept rank across each layer's slot and
 * the predicted relative error on a second axis. Entries for layers the chart has no slot for
 * (a plan from before an overview change) are left out.
 */
export function recommendOverlay(chart: RankChartModel, plan: RankPlanPayload): RecommendOverlay {
  let maxError = 0;
  for (const e of plan.relativeError) if (Number.isFinite(e)) maxError = Math.max(maxError, e);
  // A plan that keeps everything has zero error: the axis still needs a span to draw.
  const error = scaleLinear()
    .domain([0, maxError > 0 ? maxError : 0.01])
    .nice()
    .range([chart.plot.bottom, chart.plot.top]);
  const markers: (RecommendMarker & { readonly slot: number; readonly group: number })[] = [];
  const inset = chart.slotWidth / 8;
  plan.indices.forEach((index, i) => {
    const slot = chart.slots.get(index);
    if (!slot) return;
    const relativeError = plan.relativeError[i];
    markers.push({
      index,
      rank: plan.rank[i],
      kept: plan.kept[i],
      relativeError,
      x: slot.x + inset,
      width: chart.slotWidth - 2 * inset,
      y: chart.y(plan.kept[i]),
      errorY: error(Number.isFinite(relativeError) ? relativeError : 0),
      slot: slot.x,
      group: slot.group,
    });
  });
  markers.sort((a, b) => a.slot - b.slot);
  const errorLines: [number, number][][] = [];
  let group = -1;
  for (const m of markers) {
    if (m.group !== group) errorLines.push([]);
    group = m.group;
    errorLines[errorLines.length - 1].push([m.x + m.width / 2, m.errorY]);
  }
  const axisX = (chart.groups.length > 0 ? chart.groups[chart.groups.length - 1].x1 : chart.plot.left) + AXIS_GAP;
  return { markers: markers.map(({ slot: _slot, group: _group, ...m }) => m), error, axisX, errorLines, caption: recommendCaption(plan) };
}

/** The plan in one line: method, ranks and parameters kept, overall error, layers not counted. */
export function recommendCaption(plan: RankPlanPayload): string {
  let kept = 0;
  let rank = 0;
  for (let i = 0; i < plan.kept.length; i++) {
    kept += plan.kept[i];
    rank += plan.rank[i];
  }
  const saved = plan.paramsBefore > 0 ? 1 - plan.paramsAfter / plan.paramsBefore : 0;
  const layers = plan.indices.length;
  const excluded = plan.excluded ? `${formatInteger(plan.excluded.count)} layer${plan.excluded.count === 1 ? '' : 's'} left out: ${plan.excluded.reason}` : '';
  // An adapter of LyCORIS products only has nothing to plan: "keeps 0 of 0 ranks" would say nothing.
  if (layers === 0 && plan.excluded) return `${plan.description}: no layer to plan · ${excluded}`;
  const parts = [
    `${plan.description}: keeps ${formatInteger(kept)} of ${formatInteger(rank)} ranks in ${formatInteger(layers)} layer${layers === 1 ? '' : 's'}`,
    `parameters ${formatInteger(plan.paramsBefore)} → ${formatInteger(plan.paramsAfter)} (${formatPercent(saved)} saved)`,
    `overall relative error ${formatError(plan.overallRelativeError)}`,
  ];
  if (excluded) parts.push(excluded);
  if (plan.missing > 0) parts.push(`${formatInteger(plan.missing)} layer${plan.missing === 1 ? '' : 's'} not analysed yet or skipped`);
  return parts.join(' · ');
}

/** A relative error as a percentage with four significant digits: small errors matter here. */
export function formatError(value: number): string {
  return Number.isFinite(value) ? `${formatNumber(100 * value)}%` : formatNumber(value);
}
