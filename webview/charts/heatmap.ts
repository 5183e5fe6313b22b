import type { Disposable } from '../disposable';
import { el } from '../dom';
import { formatNumber } from '../model/format';
import { cellAt, divergingColor, parseColor, valueAt, type HeatmapCell, type HeatmapModel, type Rgb } from '../model/heatmapModel';

export interface Heatmap extends Disposable {
  update(model: HeatmapModel): void;
  /** Repaints with the theme's current colours. */
  repaint(): void;
}

/**
 * Resolves a theme variable to RGB through the canvas itself: setting fillStyle normalizes
 * any CSS colour syntax to `#rrggbb` or `rgba(…)`, so no colour parser for CSS is needed.
 * A theme without the variable falls back on the text colour, which always comes from it.
 */
function themeColor(context: CanvasRenderingContext2D, host: Element, variable: string): Rgb {
  const style = getComputedStyle(host);
  const value = style.getPropertyValue(variable).trim() || style.color;
  context.fillStyle = style.color;
  context.fillStyle = value;
  return parseColor(String(context.fillStyle)) ?? { r: 0, g: 0, b: 0 };
}

/** How often a heatmap painted before its frame had styles looks again. */
const STYLE_RETRY_MS = 50;

function defaultDescription(hit: HeatmapCell): string {
  return `[${hit.row + 1}, ${hit.col + 1}] = ${formatNumber(hit.value)}`;
}

/**
 * A matrix heatmap on canvas (an r×r core can be 256×256: too many SVG rects), with a
 * tooltip from hit-testing the pointer against the model's cell grid.
 */
export function renderHeatmap(parent: HTMLElement, model: HeatmapModel, label: string, describe: (cell: HeatmapCell) => string = defaultDescription): Heatmap {
  const wrap = el('div', 'heatmap');
  const canvas = el('canvas');
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  const tooltip = el('div', 'tooltip');
  tooltip.hidden = true;
  wrap.append(canvas, tooltip);
  parent.append(wrap);
  let m = model;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const paint = () => {
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, Math.round(m.width * ratio));
    canvas.height = Math.max(1, Math.round(m.height * ratio));
    canvas.style.width = `${m.width}px`;
    canvas.style.height = `${m.height}px`;
    const context = canvas.getContext('2d');
    if (!context) return;
    // VS Code loads a webview in a hidden frame and shows it when loaded; until then computed
    // styles are empty and every theme colour would read as black. Paint once they exist.
    clearTimeout(retry);
    if (!getComputedStyle(wrap).color) {
      retry = setTimeout(paint, STYLE_RETRY_MS);
      return;
    }
    const negative = themeColor(context, wrap, '--vscode-charts-blue');
    const zero = themeColor(context, wrap, '--vscode-editor-background');
    const positive = themeColor(context, wrap, '--vscode-charts-red');
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    for (let i = 0; i < m.rows; i++) {
      for (let j = 0; j < m.cols; j++) {
        const c = divergingColor(m.normalized[i * m.cols + j], negative, zero, positive);
        context.fillStyle = `rgb(${c.r},${c.g},${c.b})`;
        context.fillRect(j * m.cellWidth, i * m.cellHeight, m.cellWidth, m.cellHeight);
      }
    }
    // A value that does not exist (a module not compared) is crossed out, so it never reads as 0.
    const missing = themeColor(context, wrap, '--vscode-disabledForeground');
    context.strokeStyle = `rgb(${missing.r},${missing.g},${missing.b})`;
    context.lineWidth = 1;
    context.beginPath();
    for (let i = 0; i < m.rows; i++) {
      for (let j = 0; j < m.cols; j++) {
        if (Number.isFinite(valueAt(m.matrix, i, j))) continue;
        context.moveTo(j * m.cellWidth + 2, (i + 1) * m.cellHeight - 2);
        context.lineTo((j + 1) * m.cellWidth - 2, i * m.cellHeight + 2);
      }
    }
    context.stroke();
  };

  const move = (event: PointerEvent) => {
    const box = canvas.getBoundingClientRect();
    const hit = cellAt(m, event.clientX - box.left, event.clientY - box.top);
    if (!hit) {
      tooltip.hidden = true;
      return;
    }
    tooltip.hidden = false;
    tooltip.textContent = describe(hit);
    tooltip.style.left = `${event.clientX - box.left + 12}px`;
    tooltip.style.top = `${event.clientY - box.top + 12}px`;
  };
  const leave = () => {
    tooltip.hidden = true;
  };
  canvas.addEventListener('pointermove', move);
  canvas.addEventListener('pointerleave', leave);
  paint();
  return {
    update: (next) => {
      m = next;
      paint();
    },
    repaint: paint,
    dispose: () => {
      clearTimeout(retry);
      canvas.removeEventListener('pointermove', move);
      canvas.removeEventListener('pointerleave', leave);
      wrap.remove();
    },
  };
}
