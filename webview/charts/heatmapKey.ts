import { el } from '../dom';
import { formatNumber } from '../model/format';
import type { LayerTick } from '../model/layerTicks';

/**
 * A heatmap's colour key: the ramp the canvas paints with (theme blue → editor background →
 * theme red, the same variables the heatmap reads), its end values, and what the colour means.
 * A gradient in CSS follows a theme change by itself.
 */
export function heatmapKey(min: number, max: number, meaning: string): HTMLElement {
  const key = el('div', 'heatmap-key');
  const ramp = el('span', `heatmap-ramp ${min < 0 ? 'signed' : 'unsigned'}`);
  ramp.setAttribute('aria-hidden', 'true');
  const low = el('span', 'heatmap-key-value min', formatNumber(min));
  const high = el('span', 'heatmap-key-value max', formatNumber(max));
  key.append(low, ramp, high, el('span', 'heatmap-key-meaning', meaning));
  key.setAttribute('aria-label', `colour scale from ${formatNumber(min)} to ${formatNumber(max)}: ${meaning}`);
  return key;
}

/**
 * A layer × layer map with its layer numbers along the top and the left and an axis title:
 * returns the cell the heatmap goes in.
 */
export function layerAxes(parent: HTMLElement, ticks: readonly LayerTick[], size: number, title = 'layer'): HTMLElement {
  const grid = el('div', 'layer-map');
  const top = el('div', 'layer-ticks x');
  const left = el('div', 'layer-ticks y');
  top.style.width = `${size}px`;
  left.style.height = `${size}px`;
  for (const t of ticks) {
    const x = el('span', 'layer-tick', t.text);
    x.style.left = `${t.offset}px`;
    top.append(x);
    const y = el('span', 'layer-tick', t.text);
    y.style.top = `${t.offset}px`;
    left.append(y);
  }
  const map = el('div', 'layer-map-canvas');
  grid.append(el('span', 'layer-axis-title', title), top, left, map);
  parent.append(grid);
  return map;
}
