import { select } from 'd3-selection';
import type { Disposable } from '../disposable';
import type { MultiplePanel, MultiplesModel } from '../model/multiplesModel';
import { drawPanelGrid } from './multiplesGrid';

export interface MultiplesChart extends Disposable {
  update(model: MultiplesModel, selected: number | null): void;
}

function pathOf(points: Float64Array): string {
  let d = '';
  for (let i = 0; i < points.length; i += 2) d += `${i === 0 ? 'M' : 'L'}${points[i]},${points[i + 1]}`;
  return d;
}

/** One small SVG per layer of a module type, in depth order; a click selects the layer. */
export function renderMultiples(parent: HTMLElement, model: MultiplesModel, selected: number | null, onSelect: (index: number) => void): MultiplesChart {
  const grid = select(parent).append('div').attr('class', 'multiples');
  const update = (m: MultiplesModel, sel: number | null) => {
    const panel = grid
      .selectAll<HTMLDivElement, MultiplePanel>('div.multiple')
      .data(m.panels, (d) => d.index)
      .join((enter) => {
        const div = enter.append('div').attr('class', 'multiple');
        div.on('click', (_event: MouseEvent, d) => onSelect(d.index));
        const svg = div.append('svg').attr('class', 'chart');
        svg.append('rect').attr('class', 'frame');
        svg.append('text').attr('class', 'panel-label').attr('x', 4).attr('y', 11);
        svg.append('path').attr('class', 'sigma');
        svg.append('title');
        return div;
      })
      .classed('selected', (d) => d.index === sel)
      .classed('pending', (d) => !d.analysed);
    const svg = panel.select('svg').attr('width', m.panelWidth).attr('height', m.panelHeight);
    svg
      .select('rect.frame')
      .attr('width', m.panelWidth - 1)
      .attr('height', m.panelHeight - 1)
      .attr('x', 0.5)
      .attr('y', 0.5);
    svg.select('text.panel-label').text((d) => (d.depth === null ? d.name : `#${d.depth}`));
    svg.select('title').text((d) => d.name);
    svg.select('path.sigma').attr('d', (d) => pathOf(d.points));
    drawPanelGrid(svg, m);
  };
  update(model, selected);
  return { update, dispose: () => grid.remove() };
}
