import type { BaseType, Selection } from 'd3-selection';
import { formatNumber } from '../model/format';
import type { MultiplePanel, MultiplesModel } from '../model/multiplesModel';
import { gridValues } from './ticks';

/**
 * The y scale of the small multiples: the same faint gridlines in every panel (they share one
 * log axis of σᵢ/σ₁), labelled in the first panel only so the labels do not crowd the curves.
 */
export function drawPanelGrid(svg: Selection<BaseType, MultiplePanel, HTMLDivElement, unknown>, model: MultiplesModel): void {
  const values = gridValues(model.y.domain());
  const first = model.panels[0]?.index;
  const grid = svg
    .selectAll<SVGGElement, MultiplePanel>('g.grid')
    .data((d) => [d])
    .join((enter) => enter.insert('g', 'path.sigma').attr('class', 'grid'));
  grid
    .selectAll<SVGLineElement, number>('line')
    .data(values)
    .join('line')
    .attr('x1', 0)
    .attr('x2', model.panelWidth)
    .attr('y1', (v) => model.y(v))
    .attr('y2', (v) => model.y(v));
  grid
    .selectAll<SVGTextElement, number>('text')
    .data((d) => (d.index === first ? values : []))
    .join('text')
    .attr('x', model.panelWidth - 3)
    .attr('y', (v) => model.y(v) - 2)
    .attr('text-anchor', 'end')
    .text((v) => formatNumber(v));
}
