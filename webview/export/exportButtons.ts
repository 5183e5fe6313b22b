import type { Disposable } from '../disposable';
import { el } from '../dom';
import { base64Of } from './svgText';
import { canvasToPng, serializeSvg, svgToPng } from './chartExport';

/** What an export button hands on: a file name, its kind and its data (text, or base64 bytes). */
export type SaveExport = (name: string, kind: 'svg' | 'png', data: string, encoding: 'utf8' | 'base64') => Promise<void>;

/** Shows why an export failed before it reached the host (a PNG that could not be drawn). */
export type ExportFailed = (message: string) => void;

/** Runs an export and hands its failure, if any, to `failed`, so none ends unseen. */
function reported(work: () => Promise<void>, failed: ExportFailed): void {
  let started: Promise<void>;
  try {
    started = work();
  } catch (error) {
    started = Promise.reject(error);
  }
  started.catch((error: unknown) => failed(`Export failed: ${error instanceof Error ? error.message : String(error)}`));
}

/** A chart's name for the file: its aria-label, else its class, as a short slug. */
function slug(node: Element, fallback: string): string {
  const words = (node.getAttribute('aria-label') ?? node.getAttribute('class') ?? fallback)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return words || fallback;
}

function button(text: string, title: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', 'chart-export-button', text);
  b.type = 'button';
  b.title = title;
  b.addEventListener('click', (event) => {
    event.stopPropagation();
    onClick();
  });
  return b;
}

function decorateSvg(svg: SVGSVGElement, stem: () => string, save: SaveExport, failed: ExportFailed): HTMLElement {
  const bar = el('div', 'chart-export');
  const name = () => `${stem()}-${slug(svg, 'chart')}`;
  bar.append(
    button('SVG', 'Save this chart as SVG', () => reported(() => save(`${name()}.svg`, 'svg', serializeSvg(svg), 'utf8'), failed)),
    button('PNG', 'Save this chart as PNG', () => reported(() => svgToPng(svg).then((png) => save(`${name()}.png`, 'png', base64Of(png.bytes), 'base64')), failed)),
  );
  svg.before(bar);
  return bar;
}

function decorateCanvas(canvas: HTMLCanvasElement, stem: () => string, save: SaveExport, failed: ExportFailed): HTMLElement {
  const bar = el('div', 'chart-export');
  bar.append(
    button('PNG', 'Save this map as PNG', () =>
      reported(() => canvasToPng(canvas).then((png) => save(`${stem()}-${slug(canvas, 'heatmap')}.png`, 'png', base64Of(png.bytes), 'base64')), failed),
    ),
  );
  // A map with row and column labels around it (a similarity or cross-layer map) keeps its grid:
  // the bar goes above the whole map, never between its labels and its cells.
  (canvas.closest('.labelled-map, .layer-map') ?? canvas.parentElement)?.before(bar);
  return bar;
}

/**
 * Adds SVG/PNG export buttons above every chart the views draw, now and later: the views create
 * their charts lazily (on first show, as data arrives), so a MutationObserver finds them rather
 * than each view wiring its own. Small multiples are left out: a grid of dozens of tiny charts
 * would carry dozens of buttons. A failure before the host is reached (drawing the PNG) goes to
 * `failed`, the view's message area.
 */
export function mountChartExports(root: HTMLElement, stem: () => string, save: SaveExport, failed: ExportFailed): Disposable {
  // Each chart's bar; a bar may sit outside the part a view redraws, so it goes with its chart.
  const bars = new Map<Element, HTMLElement>();
  const scan = () => {
    for (const [chart, bar] of bars) {
      if (chart.isConnected) continue;
      bar.remove();
      bars.delete(chart);
    }
    for (const svg of Array.from(root.querySelectorAll<SVGSVGElement>('svg.chart'))) {
      if (bars.has(svg) || svg.closest('.multiples')) continue;
      bars.set(svg, decorateSvg(svg, stem, save, failed));
    }
    for (const canvas of Array.from(root.querySelectorAll<HTMLCanvasElement>('.heatmap > canvas'))) {
      if (bars.has(canvas)) continue;
      bars.set(canvas, decorateCanvas(canvas, stem, save, failed));
    }
  };
  let queued = false;
  const observer = new MutationObserver(() => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      scan();
    });
  });
  observer.observe(root, { childList: true, subtree: true });
  scan();
  return {
    dispose: () => {
      observer.disconnect();
      bars.clear();
    },
  };
}
