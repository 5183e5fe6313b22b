import { scaleLinear, type ScaleLinear } from 'd3-scale';
import type { LayerAnalysis, LayerRow } from '../../src/protocol/payloads';
import { thinPositions } from '../charts/ticks';
import { groupLayers, type Grouping } from './layerOrder';
import { shortLabels } from './shortLabels';

/** The three ranks compared per layer: configured r, effective rank, and r95. */
export type RankSeries = 'rank' | 'effective' | 'r95';

export const RANK_SERIES: readonly RankSeries[] = ['rank', 'effective', 'r95'];

export const SERIES_LABEL: Record<RankSeries, string> = { rank: 'configured r', effective: 'effective rank', r95: 'r95' };

export interface RankBar {
  readonly index: number;
  readonly series: RankSeries;
  readonly value: number;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface RankGroupBand {
  readonly key: string;
  readonly x0: number;
  readonly x1: number;
}

/** An x label: a group's key, or a layer's block when the chart shows a single group. */
export interface RankTick {
  readonly x: number;
  readonly label: string;
  /** The full name the label was shortened from. */
  readonly full: string;
}

export interface RankChartModel {
  readonly width: number;
  readonly height: number;
  readonly plot: { readonly left: number; readonly top: number; readonly right: number; readonly bottom: number };
  readonly y: ScaleLinear<number, number>;
  readonly bars: readonly RankBar[];
  readonly groups: readonly RankGroupBand[];
  /** Labels under the bars, shortened and thinned so that none overlap. */
  readonly ticks: readonly RankTick[];
  /** Layer index per slot, left to right (for tooltips and keyboard order). */
  readonly order: readonly number[];
  /** Each layer's slot: its left edge and the group it sits in, by layer index. */
  readonly slots: ReadonlyMap<number, RankSlot>;
  readonly slotWidth: number;
}

export interface RankSlot {
  readonly x: number;
  readonly group: number;
}

export interface RankChartOptions {
  readonly grouping: Grouping;
  /** Horizontal room per layer; three bars share it. */
  readonly slot: number;
  /** Extra room between groups so their boundaries read at a glance. */
  readonly groupGap: number;
  readonly height: number;
  readonly minWidth: number;
}

/**
 * The bottom and right margins leave room for group labels, which are rotated to run
 * down-right; the top one for the axis title above the highest tick label.
 */
const MARGIN = { left: 40, top: 24, right: 96, bottom: 64 };

/** Labels run down-right at 35°: one line (11 px) apart needs 11 / sin 35° ≈ 19 px along x. */
const TICK_GAP = 20;
const TICK_CHARS = 16;
/** Wider slots only spread three bars apart. */
const MAX_SLOT = 40;

/** The slot that fits `count` layers in `groupCount` groups into `width` pixels, at most MAX_SLOT. */
export function fitSlot(count: number, groupCount: number, groupGap: number, width: number): number {
  const room = width - MARGIN.left - MARGIN.right - Math.max(0, groupCount - 1) * groupGap;
  return Math.min(MAX_SLOT, room / Math.max(1, count));
}

/**
 * Bar geometry for the rank comparison. Layers not analysed yet (or skipped) still get a slot
 * and their configured-r bar, so the chart keeps its layout while results stream in.
 */
export function rankChartModel(layers: readonly LayerRow[], results: ReadonlyMap<number, LayerAnalysis>, options: RankChartOptions): RankChartModel {
  const groups = groupLayers(layers, options.grouping);
  const slots = layers.length;
  const content = slots * options.slot + Math.max(0, groups.length - 1) * options.groupGap;
  const width = Math.max(options.minWidth, MARGIN.left + content + MARGIN.right);
  let maxValue = 1;
  for (const row of layers) {
    maxValue = Math.max(maxValue, row.rank);
    const result = results.get(row.index);
    if (result?.status === 'ok') maxValue = Math.max(maxValue, result.metrics.effectiveRank, result.metrics.r95);
  }
  const bottom = options.height - MARGIN.bottom;
  const y = scaleLinear().domain([0, maxValue]).nice().range([bottom, MARGIN.top]);
  const barWidth = options.slot / (RANK_SERIES.length + 1);
  const bars: RankBar[] = [];
  const bands: RankGroupBand[] = [];
  const order: number[] = [];
  const slotByIndex = new Map<number, RankSlot>();
  let x = MARGIN.left;
  groups.forEach((group, g) => {
    if (g > 0) x += options.groupGap;
    const x0 = x;
    for (const row of group.rows) {
      order.push(row.index);
      slotByIndex.set(row.index, { x, group: g });
      const result = results.get(row.index);
      const values: Record<RankSeries, number | null> = {
        rank: row.rank,
        effective: result?.status === 'ok' ? result.metrics.effectiveRank : null,
        r95: result?.status === 'ok' ? result.metrics.r95 : null,
      };
      RANK_SERIES.forEach((series, s) => {
        const value = values[series];
        if (value === null || !Number.isFinite(value)) return;
        const top = y(value);
        bars.push({ index: row.index, series, value, x: x + barWidth * (s + 0.5), y: top, width: barWidth, height: bottom - top });
      });
      x += options.slot;
    }
    bands.push({ key: group.key, x0, x1: x });
  });
  return {
    width,
    height: options.height,
    ticks: rankTicks(
      groups.length === 1
        ? groups[0].rows.map((row, i) => ({ key: row.block ?? row.name, x: (slotByIndex.get(row.index)?.x ?? 0) + options.slot / 2, i }))
        : bands.map((b, i) => ({ key: b.key, x: (b.x0 + b.x1) / 2, i })),
    ),
    plot: { left: MARGIN.left, top: MARGIN.top, right: width - MARGIN.right, bottom },
    y,
    bars,
    groups: bands,
    order,
    slots: slotByIndex,
    slotWidth: options.slot,
  };
}

function rankTicks(places: readonly { readonly key: string; readonly x: number }[]): RankTick[] {
  const labels = shortLabels(
    places.map((p) => p.key),
    TICK_CHARS,
  );
  return thinPositions(
    places.map((p) => p.x),
    TICK_GAP,
  ).map((i) => ({ x: places[i].x, label: labels[i], full: places[i].key }));
}
