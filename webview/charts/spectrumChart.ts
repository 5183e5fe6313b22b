import { axisBottom, axisLeft } from 'd3-axis';
import { select } from 'd3-selection';
import type { Disposable } from '../disposable';
import { formatNumber } from '../model/format';
import { formatLogTick } from '../model/logTicks';
import type { SpectrumModel, SpectrumSeries } from '../model/spectrumModel';

/** Colour slots for overlaid layers, mapped to theme chart colours in CSS. */
export const SERIES_SLOTS = 6;

function pathOf(points: Float64Array): string {
  if (points.length < 2) return '';
  let d = `M${points[0]},${points[1]}`;
  for (let i = 2; i < points.length; i += 2) d += `L${points[i]},${points[i + 1]}`;
  return d;
}

function dots(points: Float64Array): { x: number; y: number }[] {
  const out: { x: number; y: number }[] = [];
  for (let i = 0; i < points.length; i += 2) out.push({ x: points[i], y: points[i + 1] });
  return out;
}

export interface SpectrumChart extends Disposable {
  update(model: SpectrumModel): void;
}

/** σ_i on a log axis above, cumulative energy below, one path per layer. */
export function renderSpectrumChart(parent: HTMLElement, model: SpectrumModel): SpectrumChart {
  const svg = select(parent).append('svg').attr('class', 'chart spectrum-chart').attr('role', 'img');
  const axes = svg.append('g').attr('class', 'axes');
  const xSigma = axes.append('g').attr('class', 'axis x');
  const ySigma = axes.append('g').attr('class', 'axis y');
  const xEnergy = axes.append('g').attr('class', 'axis x');
  const yEnergy = axes.append('g').attr('class', 'axis y');
  const labels = axes.append('g').attr('class', 'axis-labels');
  const lines = svg.append('g').attr('class', 'lines');

  const update = (m: SpectrumModel) => {
    svg.attr('width', m.width).attr('height', m.height).attr('viewBox', `0 0 ${m.width} ${m.height}`);
    svg.attr('aria-label', `Singular values and cumulative energy of ${m.series.length} layer(s)`);
    const ticks = Math.min(10, Math.max(1, m.x.domain()[1] - 1));
    xSigma.attr('transform', `translate(0,${m.sigmaBox.bottom})`).call(axisBottom(m.x).ticks(ticks, 'd'));
    ySigma.attr('transform', `translate(${m.sigmaBox.left},0)`).call(
      axisLeft(m.ySigma)
        .tickValues(m.sigmaTicks)
        .tickFormat((v) => formatLogTick(Number(v))),
    );
    xEnergy.attr('transform', `translate(0,${m.energyBox.bottom})`).call(axisBottom(m.x).ticks(ticks, 'd'));
    yEnergy.attr('transform', `translate(${m.energyBox.left},0)`).call(axisLeft(m.yEnergy).ticks(4, '.0%'));
    labels
      .selectAll('text')
      .data([
        { text: 'σᵢ (log)', x: m.sigmaBox.left - 40, y: m.sigmaBox.top - 9 },
        { text: 'cumulative energy', x: m.energyBox.left - 40, y: m.energyBox.top - 6 },
        { text: 'i', x: m.energyBox.right, y: m.height - 2 },
      ])
      .join('text')
      .attr('x', (d) => d.x)
      .attr('y', (d) => d.y)
      .attr('text-anchor', (d) => (d.text === 'i' ? 'end' : 'start'))
      .text((d) => d.text);
    const group = lines
      .selectAll<SVGGElement, SpectrumSeries>('g.series')
      .data(m.series, (d) => d.index)
      .join((enter) => {
        const g = enter.append('g');
        g.append('title');
        g.append('path').attr('class', 'sigma');
        g.append('path').attr('class', 'energy');
        g.append('g').attr('class', 'dots');
        return g;
      })
      .attr('class', (_d, i) => `series slot-${i % SERIES_SLOTS}`);
    group.select('title').text((d) => d.name);
    group.select('path.sigma').attr('d', (d) => pathOf(d.sigma));
    group.select('path.energy').attr('d', (d) => pathOf(d.energy));
    group
      .select('g.dots')
      .selectAll('circle')
      .data((d) => (d.sigma.length <= 128 ? dots(d.sigma) : []))
      .join('circle')
      .attr('r', 2.5)
      .attr('cx', (d) => d.x)
      .attr('cy', (d) => d.y)
      .selectAll('title')
      .data((d) => [d])
      .join('title')
      .text((d) => `σ = ${formatNumber(m.ySigma.invert(d.y))}`);
  };
  update(model);
  return { update, dispose: () => svg.remove() };
}
