import { axisLeft } from 'd3-axis';
import { select } from 'd3-selection';
import type { LayerRow } from '../../src/protocol/payloads';
import type { Disposable } from '../disposable';
import { formatNumber } from '../model/format';
import { SERIES_LABEL, type RankBar, type RankChartModel, type RankTick } from '../model/rankChartModel';
import type { RecommendOverlay } from '../model/recommendOverlay';
import { drawRecommendOverlay } from './recommendOverlay';

export interface RankChartContext {
  readonly layer: (index: number) => LayerRow | undefined;
  readonly selected: number | null;
  readonly onSelect: (index: number) => void;
  /** The recommended ranks drawn over the bars, or null for none. */
  readonly overlay: RecommendOverlay | null;
}

export interface ChartHandle<M, C> extends Disposable {
  update(model: M, context: C): void;
}

/** Draws the rank comparison as grouped bars in SVG; colours come from CSS classes. */
export function renderRankChart(parent: HTMLElement, model: RankChartModel, context: RankChartContext): ChartHandle<RankChartModel, RankChartContext> {
  const svg = select(parent).append('svg').attr('class', 'chart rank-chart').attr('role', 'img');
  const groups = svg.append('g').attr('class', 'groups');
  const axis = svg.append('g').attr('class', 'axis y');
  const bars = svg.append('g').attr('class', 'bars');
  const recommend = svg.append('g').attr('class', 'recommend');
  let ctx = context;
  const onClick = (event: MouseEvent) => {
    const target = event.target as Element;
    const index = Number(target.getAttribute('data-index'));
    if (target.hasAttribute('data-index') && Number.isInteger(index)) ctx.onSelect(index);
  };
  bars.on('click', onClick);
  recommend.on('click', onClick);

  const update = (m: RankChartModel, c: RankChartContext) => {
    ctx = c;
    svg.attr('width', m.width).attr('height', m.height).attr('viewBox', `0 0 ${m.width} ${m.height}`);
    svg.attr('aria-label', `Configured rank, effective rank and r95 of ${m.order.length} layers`);
    axis.attr('transform', `translate(${m.plot.left},0)`).call(axisLeft(m.y).ticks(6));
    axis
      .selectAll('text.axis-title')
      .data(['rank'])
      .join('text')
      .attr('class', 'axis-title')
      .attr('x', 4)
      .attr('y', m.plot.top - 12)
      .attr('text-anchor', 'start')
      .text((d) => d);
    groups
      .selectAll<SVGRectElement, RankChartModel['groups'][number]>('rect.group-band')
      .data(m.groups, (d) => d.key)
      .join('rect')
      .attr('class', 'group-band')
      .attr('x', (d) => d.x0)
      .attr('width', (d) => d.x1 - d.x0)
      .attr('y', m.plot.top)
      .attr('height', m.plot.bottom - m.plot.top)
      .classed('odd', (_d, i) => i % 2 === 1);
    // Labels are shortened and thinned by the model; the full name is the label's tooltip.
    const labels = groups
      .selectAll<SVGTextElement, RankTick>('text.group-label')
      .data(m.ticks)
      .join((enter) => {
        const t = enter.append('text').attr('class', 'group-label');
        t.append('tspan');
        t.append('title');
        return t;
      })
      .attr('transform', (d) => `translate(${d.x},${m.plot.bottom + 8}) rotate(35)`);
    labels.select('tspan').text((d) => d.label);
    labels.select('title').text((d) => d.full);
    bars
      .selectAll<SVGRectElement, RankBar>('rect.bar')
      .data(m.bars, (d) => `${d.index}:${d.series}`)
      .join((enter) => enter.append('rect').call((r) => r.append('title')))
      .attr('class', (d) => `bar series-${d.series}${d.index === c.selected ? ' selected' : ''}`)
      .attr('data-index', (d) => d.index)
      .attr('x', (d) => d.x)
      .attr('y', (d) => d.y)
      .attr('width', (d) => d.width)
      .attr('height', (d) => Math.max(0, d.height))
      .select('title')
      .text((d) => `${c.layer(d.index)?.name ?? d.index}\n${SERIES_LABEL[d.series]}: ${formatNumber(d.value)}`);
    drawRecommendOverlay(recommend, m, c.overlay, (i) => c.layer(i)?.name ?? String(i));
  };
  update(model, context);
  return { update, dispose: () => svg.remove() };
}
