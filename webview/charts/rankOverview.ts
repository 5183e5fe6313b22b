import { axisBottom } from 'd3-axis';
import { scaleLinear } from 'd3-scale';
import { select, type Selection } from 'd3-selection';
import type { Disposable } from '../disposable';
import { el } from '../dom';
import { parseColor, type Rgb } from '../model/heatmapModel';
import { cellAtPoint, rowName, scalePosition, type OverviewGrid, type OverviewGroup, type OverviewLayout } from '../model/rankOverviewModel';

export interface RankOverviewContext {
  readonly grid: OverviewGrid;
  readonly layout: OverviewLayout;
  /** Value per layer index; a module without one is outlined, not filled. */
  readonly values: ReadonlyMap<number, number>;
  /** The colour scale's range, null when no module has a value yet. */
  readonly domain: readonly [number, number] | null;
  readonly metricLabel: string;
  /** Why cells are empty when the metric has no values (the recommendation is not ready). */
  readonly emptyText: string;
  readonly format: (value: number) => string;
  readonly nameOf: (index: number) => string;
  /** The chart colour slot the scale runs to (CSS `.slot-N`, a theme chart colour). */
  readonly slot: number;
  readonly selected: number | null;
  readonly group: OverviewGroup | null;
  readonly onCell: (index: number) => void;
  readonly onGroup: (group: OverviewGroup) => void;
}

export interface RankOverview extends Disposable {
  update(context: RankOverviewContext): void;
  /** Repaints with the theme's current colours. */
  repaint(): void;
}

/** The empty end of the scale is this far from the background, so a low value still shows as a cell. */
const FLOOR = 0.2;
const LEGEND_WIDTH = 220;

function mix(low: Rgb, high: Rgb, t: number): string {
  const w = FLOOR + (1 - FLOOR) * t;
  const c = (a: number, b: number) => Math.round(a + (b - a) * w);
  return `rgb(${c(low.r, high.r)},${c(low.g, high.g)},${c(low.b, high.b)})`;
}

/** One `g.tick` per tick, keyed by its row or column, each with a line, a label and its full name as a title. */
function tickGroups(axis: Selection<SVGGElement, unknown, null, undefined>, ticks: OverviewLayout['xTicks']) {
  return axis
    .selectAll<SVGGElement, OverviewLayout['xTicks'][number]>('g.tick')
    .data(ticks, (d) => d.at)
    .join((enter) => {
      const t = enter.append('g').attr('class', 'tick');
      t.append('line');
      const text = t.append('text');
      text.append('tspan');
      text.append('title');
      return t;
    });
}

/**
 * Resolves a CSS colour (a theme variable already substituted) to RGB through the canvas,
 * which normalizes any syntax; an empty value falls back on `fallback`.
 */
function resolve(context: CanvasRenderingContext2D, value: string, fallback: string): Rgb {
  context.fillStyle = fallback;
  context.fillStyle = value.trim() || fallback;
  return parseColor(String(context.fillStyle)) ?? { r: 0, g: 0, b: 0 };
}

/**
 * The layer × module-type overview of the ranks view: cells on canvas (hundreds to thousands
 * of modules), axes, selection and the colour legend in SVG, a hover readout from hit-testing.
 * Colours are read from the theme at paint time: the scale runs from the editor background
 * to a chart colour slot.
 */
export function renderRankOverview(parent: HTMLElement, context: RankOverviewContext): RankOverview {
  const wrap = el('div', 'rank-overview');
  const canvas = el('canvas');
  canvas.setAttribute('role', 'img');
  const svg = select(wrap).append('svg').attr('class', 'chart overview-axes');
  const xAxis = svg.append('g').attr('class', 'axis x');
  const yAxis = svg.append('g').attr('class', 'axis y');
  const marks = svg.append('g').attr('class', 'marks');
  const tooltip = el('div', 'tooltip');
  tooltip.hidden = true;
  wrap.prepend(canvas);
  wrap.append(tooltip);
  const legend = el('div', 'overview-legend');
  const legendSvg = select(legend).append('svg').attr('class', 'chart');
  const gradientId = `overview-scale-${Math.random().toString(36).slice(2)}`;
  const gradient = legendSvg.append('defs').append('linearGradient').attr('id', gradientId);
  const bar = legendSvg.append('rect').attr('class', 'scale-bar').attr('x', 8).attr('y', 16).attr('width', LEGEND_WIDTH).attr('height', 10);
  const legendAxis = legendSvg.append('g').attr('class', 'axis');
  const legendTitle = legendSvg.append('text').attr('class', 'legend-title').attr('x', 8).attr('y', 10);
  parent.append(wrap, legend);
  let ctx = context;

  const paint = () => {
    const { grid, layout, values, domain } = ctx;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, Math.round(layout.width * ratio));
    canvas.height = Math.max(1, Math.round(layout.height * ratio));
    canvas.style.width = `${layout.width}px`;
    canvas.style.height = `${layout.height}px`;
    const g = canvas.getContext('2d');
    if (!g) return;
    wrap.className = `rank-overview slot-${ctx.slot}`;
    const style = getComputedStyle(wrap);
    const fallback = style.color || '#808080';
    const low = resolve(g, style.getPropertyValue('--vscode-editor-background'), 'rgb(128,128,128)');
    const high = resolve(g, style.getPropertyValue('--series'), fallback);
    const missing = resolve(g, style.getPropertyValue('--vscode-disabledForeground'), fallback);
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, layout.width, layout.height);
    const cols = grid.columns.length;
    // A hairline between cells keeps neighbours apart once they are wide enough to spare it.
    const inset = layout.cellWidth >= 6 ? 0.5 : 0;
    g.strokeStyle = `rgb(${missing.r},${missing.g},${missing.b})`;
    g.lineWidth = 1;
    for (let r = 0; r < grid.rows.length; r++) {
      for (let c = 0; c < cols; c++) {
        const index = grid.cells[r * cols + c];
        if (index < 0) continue;
        const x = layout.left + c * layout.cellWidth;
        const y = layout.top + r * layout.cellHeight;
        const value = values.get(index);
        if (value !== undefined && domain) {
          g.fillStyle = mix(low, high, scalePosition(value, domain));
          g.fillRect(x + inset, y + inset, layout.cellWidth - 2 * inset, layout.cellHeight - 2 * inset);
        } else {
          // A module without a value yet is outlined, so it never reads as the scale's low end.
          g.strokeRect(x + 1, y + 1, Math.max(0, layout.cellWidth - 2), Math.max(0, layout.cellHeight - 2));
        }
      }
    }
    gradient
      .selectAll('stop')
      .data([0, 0.25, 0.5, 0.75, 1])
      .join('stop')
      .attr('offset', (d) => d)
      .style('stop-color', (d) => mix(low, high, d));
  };

  const draw = () => {
    const { grid, layout } = ctx;
    canvas.setAttribute('aria-label', `${ctx.metricLabel} of ${grid.rows.length} module types across ${grid.columns.length} layers`);
    wrap.dataset.left = String(layout.left);
    wrap.dataset.top = String(layout.top);
    wrap.dataset.cellWidth = String(layout.cellWidth);
    wrap.dataset.cellHeight = String(layout.cellHeight);
    svg.attr('width', layout.width).attr('height', layout.height).attr('viewBox', `0 0 ${layout.width} ${layout.height}`);
    const bottom = layout.top + grid.rows.length * layout.cellHeight;
    const right = layout.left + grid.columns.length * layout.cellWidth;
    const xTick = tickGroups(xAxis, layout.xTicks)
      .attr('data-col', (d) => d.at)
      .classed('current', (d) => ctx.group?.kind === 'block' && ctx.group.key === grid.columns[d.at])
      .attr('transform', (d) => `translate(${d.position},${bottom})`);
    xTick.select('line').attr('y2', 4);
    // Labels run upward from the axis: a rotated label needs only its line height across.
    xTick
      .select('text')
      .attr('transform', 'translate(0,7) rotate(-90)')
      .attr('dy', '0.32em')
      .attr('text-anchor', 'end')
      .call((text) => text.select('tspan').text((d) => d.label))
      .select('title')
      .text((d) => grid.columns[d.at]);
    const yTick = tickGroups(yAxis, layout.yTicks)
      .attr('data-row', (d) => d.at)
      .classed('current', (d) => ctx.group?.kind === 'moduleType' && ctx.group.key === grid.rows[d.at].moduleType)
      .attr('transform', (d) => `translate(${layout.left},${d.position})`);
    yTick.select('line').attr('x2', -4);
    yTick
      .select('text')
      .attr('x', -6)
      .attr('dy', '0.32em')
      .attr('text-anchor', 'end')
      .call((text) => text.select('tspan').text((d) => d.label))
      .select('title')
      .text((d) => rowName(grid.rows[d.at]));
    // The group the bar chart shows is outlined; the selected module gets the focus colour.
    const outline = groupOutline(ctx, bottom, right);
    marks
      .selectAll('rect.group-outline')
      .data(outline ? [outline] : [])
      .join('rect')
      .attr('class', 'group-outline')
      .attr('x', (d) => d.x)
      .attr('y', (d) => d.y)
      .attr('width', (d) => d.width)
      .attr('height', (d) => d.height);
    const selectedCell = cellOf(grid, ctx.selected);
    marks
      .selectAll('rect.selected-cell')
      .data(selectedCell ? [selectedCell] : [])
      .join('rect')
      .attr('class', 'selected-cell')
      .attr('x', (d) => layout.left + d.col * layout.cellWidth)
      .attr('y', (d) => layout.top + d.row * layout.cellHeight)
      .attr('width', layout.cellWidth)
      .attr('height', layout.cellHeight);
    legend.hidden = ctx.domain === null;
    if (ctx.domain) {
      const scale = scaleLinear()
        .domain(ctx.domain)
        .range([8, 8 + LEGEND_WIDTH]);
      legendSvg.attr('width', LEGEND_WIDTH + 40).attr('height', 46);
      bar.style('fill', `url(#${gradientId})`);
      legendAxis.attr('transform', 'translate(0,26)').call(
        axisBottom(scale)
          .ticks(4)
          .tickFormat((v) => ctx.format(Number(v))),
      );
      legendTitle.text(ctx.metricLabel);
    }
    paint();
  };

  const hit = (event: PointerEvent | MouseEvent) => {
    const box = canvas.getBoundingClientRect();
    const at = cellAtPoint(ctx.grid, ctx.layout, event.clientX - box.left, event.clientY - box.top);
    if (!at) return null;
    const index = ctx.grid.cells[at.row * ctx.grid.columns.length + at.col];
    return index < 0 ? null : { ...at, index, x: event.clientX - box.left, y: event.clientY - box.top };
  };
  const move = (event: PointerEvent) => {
    const h = hit(event);
    canvas.style.cursor = h ? 'pointer' : 'default';
    if (!h) {
      tooltip.hidden = true;
      return;
    }
    const value = ctx.values.get(h.index);
    tooltip.hidden = false;
    tooltip.textContent = `${ctx.nameOf(h.index)}\n${ctx.metricLabel}: ${value === undefined ? ctx.emptyText : ctx.format(value)}`;
    // The readout stays inside the map (so it never widens the view): it opens to the left of
    // the pointer near the right edge and is clamped to the map's width.
    const width = tooltip.offsetWidth;
    const right = h.x + 12 + width > ctx.layout.width;
    tooltip.style.left = `${Math.max(0, right ? h.x - 12 - width : h.x + 12)}px`;
    tooltip.style.top = `${h.y + 12}px`;
  };
  const leave = () => {
    tooltip.hidden = true;
  };
  const click = (event: MouseEvent) => {
    const h = hit(event);
    if (h) ctx.onCell(h.index);
  };
  const clickLabel = (event: MouseEvent) => {
    const tick = (event.target as Element).closest('g.tick');
    if (!tick) return;
    const col = tick.getAttribute('data-col');
    const row = tick.getAttribute('data-row');
    if (col !== null) ctx.onGroup({ kind: 'block', key: ctx.grid.columns[Number(col)] });
    else if (row !== null) ctx.onGroup({ kind: 'moduleType', key: ctx.grid.rows[Number(row)].moduleType });
  };
  canvas.addEventListener('pointermove', move);
  canvas.addEventListener('pointerleave', leave);
  canvas.addEventListener('click', click);
  const axisNode = svg.node();
  axisNode?.addEventListener('click', clickLabel);
  draw();
  return {
    update: (next) => {
      ctx = next;
      // The layout may have changed under the pointer: the readout comes back on the next move.
      tooltip.hidden = true;
      draw();
    },
    repaint: paint,
    dispose: () => {
      canvas.removeEventListener('pointermove', move);
      canvas.removeEventListener('pointerleave', leave);
      canvas.removeEventListener('click', click);
      axisNode?.removeEventListener('click', clickLabel);
      wrap.remove();
      legend.remove();
    },
  };
}

function cellOf(grid: OverviewGrid, index: number | null): { row: number; col: number } | null {
  if (index === null) return null;
  const at = grid.cells.indexOf(index);
  return at < 0 ? null : { row: Math.floor(at / grid.columns.length), col: at % grid.columns.length };
}

function groupOutline(ctx: RankOverviewContext, bottom: number, right: number): { x: number; y: number; width: number; height: number } | null {
  const { grid, layout, group } = ctx;
  if (!group) return null;
  if (group.kind === 'block') {
    const c = grid.columns.indexOf(group.key);
    return c < 0 ? null : { x: layout.left + c * layout.cellWidth, y: layout.top, width: layout.cellWidth, height: bottom - layout.top };
  }
  let first = -1;
  let last = -1;
  grid.rows.forEach((row, r) => {
    if (row.moduleType !== group.key) return;
    if (first < 0) first = r;
    last = r;
  });
  return first < 0 ? null : { x: layout.left, y: layout.top + first * layout.cellHeight, width: right - layout.left, height: (last - first + 1) * layout.cellHeight };
}
