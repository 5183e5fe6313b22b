import { axisBottom, axisLeft } from 'd3-axis';
import { select } from 'd3-selection';
import type { Disposable } from '../disposable';
import { formatNumber } from '../model/format';
import type { LineChartModel, LineSeriesModel } from '../model/lineChartModel';
import { logAxis } from './ticks';

export interface LineChart extends Disposable {
  update(model: LineChartModel): void;
}

/** Colour slots the CSS maps to theme chart colours (`.slot-0` … `.slot-5`). */
const SLOTS = 6;

/**
 * Lines on shared axes in SVG (a few dozen lines of a few dozen points: SVG is fine here),
 * each with a title naming it and dots whose titles give the value. Colours come from CSS slots.
 */
export function renderLineChart(parent: HTMLElement, model: LineChartModel, label: string): LineChart {
  const svg = select(parent).append('svg').attr('class', 'chart line-chart').attr('role', 'img').attr('aria-label', label);
  const xAxis = svg.append('g').attr('class', 'axis x');
  const yAxis = svg.append('g').attr('class', 'axis y');
  const titles = svg.append('g').attr('class', 'axis-labels');
  const lines = svg.append('g').attr('class', 'lines');

  const update = (m: LineChartModel) => {
    svg.attr('width', m.width).attr('height', m.height).attr('viewBox', `0 0 ${m.width} ${m.height}`);
    const span = m.x.domain()[1] - m.x.domain()[0];
    const xTicks = axisBottom(m.x).ticks(m.integerX ? Math.max(1, Math.min(10, Math.round(span))) : 8, m.integerX ? 'd' : undefined);
    xAxis.attr('transform', `translate(0,${m.plot.bottom})`).call(xTicks);
    // A log axis is labelled at 1, 2, 5 × 10ᵏ (powers of ten alone over many decades).
    const ySpan = m.y.domain()[1] - m.y.domain()[0];
    const yTicks =
      m.yScale === 'log'
        ? logAxis(axisLeft(m.y), m.y.domain(), formatNumber)
        : m.integerY
          ? axisLeft(m.y).ticks(Math.max(1, Math.min(5, Math.round(ySpan))), 'd')
          : axisLeft(m.y).ticks(5);
    yAxis.attr('transform', `translate(${m.plot.left},0)`).call(yTicks);
    titles
      .selectAll('text')
      .data([
        { text: m.yLabel, x: 4, y: m.plot.top - 10, anchor: 'start' },
        { text: m.xLabel, x: m.plot.right, y: m.height - 4, anchor: 'end' },
      ])
      .join('text')
      .attr('x', (d) => d.x)
      .attr('y', (d) => d.y)
      .attr('text-anchor', (d) => d.anchor)
      .text((d) => d.text);
    const group = lines
      .selectAll<SVGGElement, LineSeriesModel>('g.series')
      .data(m.series, (d) => d.key)
      .join((enter) => {
        const g = enter.append('g');
        g.append('title');
        g.append('path');
        g.append('g').attr('class', 'dots');
        return g;
      })
      .attr('class', (d) => `series slot-${d.slot % SLOTS}`)
      .attr('data-key', (d) => d.key);
    group.select('title').text((d) => d.label);
    group.select('path').attr('d', (d) => d.path);
    group
      .select('g.dots')
      .selectAll('circle')
      .data((d) => d.points.map((p) => ({ ...p, label: d.label })))
      .join((enter) => enter.append('circle').call((c) => c.append('title')))
      .attr('r', 2.5)
      .attr('cx', (d) => d.px)
      .attr('cy', (d) => d.py)
      .select('title')
      .text((d) => `${d.label}\n${m.xLabel} ${formatNumber(d.x)}: ${formatNumber(d.y)}`);
  };
  update(model);
  return { update, dispose: () => svg.remove() };
}

/** A legend row for a chart: one swatch per entry, coloured by its slot. */
export function lineLegend(entries: readonly { readonly label: string; readonly slot: number }[]): HTMLElement {
  const legend = document.createElement('div');
  legend.className = 'legend line-legend';
  for (const e of entries) {
    const item = document.createElement('span');
    item.className = `key series slot-${e.slot % SLOTS}`;
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    item.append(swatch, document.createTextNode(e.label));
    legend.append(item);
  }
  return legend;
}
