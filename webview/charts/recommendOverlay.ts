import { axisRight } from 'd3-axis';
import { line } from 'd3-shape';
import type { Selection } from 'd3-selection';
import type { RankChartModel } from '../model/rankChartModel';
import { formatError, type RecommendMarker, type RecommendOverlay } from '../model/recommendOverlay';

const path = line<readonly [number, number]>()
  .x((p) => p[0])
  .y((p) => p[1]);

/**
 * Draws a recommendation over the rank bars: a marker line at the kept rank per layer, the
 * predicted relative error as a line on a right-hand axis. Null clears it. Names go into
 * `<title>` through `.text()`: they come from the file.
 */
export function drawRecommendOverlay(
  layer: Selection<SVGGElement, unknown, null, undefined>,
  chart: RankChartModel,
  overlay: RecommendOverlay | null,
  nameOf: (index: number) => string,
): void {
  layer.attr('display', overlay ? null : 'none');
  if (!overlay) return;
  const axis = layer
    .selectAll<SVGGElement, null>('g.axis.error')
    .data([null])
    .join((enter) => enter.append('g').attr('class', 'axis error'));
  axis.attr('transform', `translate(${overlay.axisX},0)`).call(
    axisRight(overlay.error)
      .ticks(5)
      .tickFormat((v) => formatError(Number(v))),
  );
  axis
    .selectAll('text.axis-title')
    .data(['relative error'])
    .join('text')
    .attr('class', 'axis-title')
    .attr('x', -4)
    .attr('y', chart.plot.top - 12)
    .attr('text-anchor', 'start')
    .text((d) => d);
  layer
    .selectAll<SVGPathElement, readonly (readonly [number, number])[]>('path.rec-error')
    .data(overlay.errorLines)
    .join('path')
    .attr('class', 'rec-error')
    .attr('d', (d) => path(d) ?? '');
  layer
    .selectAll<SVGCircleElement, RecommendMarker>('circle.rec-error-point')
    .data(overlay.markers, (d) => d.index)
    .join((enter) => enter.append('circle').call((c) => c.append('title')))
    .attr('class', 'rec-error-point')
    .attr('data-index', (d) => d.index)
    .attr('cx', (d) => d.x + d.width / 2)
    .attr('cy', (d) => d.errorY)
    .attr('r', 2)
    .select('title')
    .text((d) => `${nameOf(d.index)}\nrelative error: ${formatError(d.relativeError)}`);
  layer
    .selectAll<SVGRectElement, RecommendMarker>('rect.rec-marker')
    .data(overlay.markers, (d) => d.index)
    .join((enter) => enter.append('rect').call((r) => r.append('title')))
    .attr('class', 'rec-marker')
    .attr('data-index', (d) => d.index)
    .attr('data-kept', (d) => d.kept)
    .attr('x', (d) => d.x)
    .attr('y', (d) => d.y - 1.5)
    .attr('width', (d) => d.width)
    .attr('height', 3)
    .select('title')
    .text((d) => `${nameOf(d.index)}\nrecommended rank: ${d.kept} of ${d.rank}\nrelative error: ${formatError(d.relativeError)}`);
}
