import { base64Of, INLINED_PROPERTIES, keepProperty, presentationAttributes, svgDocument } from './svgText';

/** PNG exports are drawn at the screen's pixel ratio, at least 2 so a chart stays sharp in a document. */
const MIN_PNG_RATIO = 2;
const MAX_PNG_RATIO = 4;
/** A canvas side past this fails to allocate in Chromium; large charts scale down to it. */
const MAX_CANVAS_SIDE = 16384;

/**
 * A chart's <svg> as a standalone file: a deep clone whose elements carry their computed styles
 * (theme colours resolved from the --vscode-* and --ll-* variables, which a file outside the
 * webview does not have), with an explicit size and the editor background behind it.
 */
export function serializeSvg(svg: SVGSVGElement): string {
  const box = svg.getBoundingClientRect();
  const width = box.width || Number(svg.getAttribute('width')) || 300;
  const height = box.height || Number(svg.getAttribute('height')) || 150;
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const sources = [svg, ...Array.from(svg.querySelectorAll('*'))];
  const copies = [clone, ...Array.from(clone.querySelectorAll('*'))];
  sources.forEach((source, i) => {
    const copy = copies[i];
    const computed = getComputedStyle(source);
    const parent = i === 0 || !source.parentElement ? null : getComputedStyle(source.parentElement);
    const values = new Map<string, string>();
    for (const name of INLINED_PROPERTIES) {
      const value = computed.getPropertyValue(name);
      // Inherited values the parent already carries are left to inheritance, keeping the file small.
      if (!keepProperty(name, value, parent?.getPropertyValue(name) ?? null)) continue;
      values.set(name, value);
    }
    // Inline styles the charts set are in the computed values; the class names mean nothing outside.
    copy.removeAttribute('style');
    copy.removeAttribute('class');
    // Replaces d3's fill="currentColor" and the like with the resolved value.
    for (const [name, value] of presentationAttributes(values)) copy.setAttribute(name, value);
  });
  const serializer = new XMLSerializer();
  let inner = '';
  for (const child of Array.from(clone.childNodes)) inner += serializer.serializeToString(child);
  // The root's own values (font, colour) move to a group, since the file's root is new.
  const group = document.createElementNS('http://www.w3.org/2000/svg', 'g');
  for (const attribute of Array.from(clone.attributes)) if ((INLINED_PROPERTIES as readonly string[]).includes(attribute.name)) group.setAttribute(attribute.name, attribute.value);
  const open = serializer
    .serializeToString(group)
    .replace(/\/>$/, '>')
    .replace(/ xmlns="[^"]*"/, '');
  return svgDocument(`${open}${inner}</g>`, width, height, background());
}

/** The editor background, resolved, for behind an exported chart. */
export function background(): string | null {
  const value = getComputedStyle(document.body).backgroundColor;
  return value && value !== 'rgba(0, 0, 0, 0)' && value !== 'transparent' ? value : null;
}

function pngRatio(): number {
  return Math.min(MAX_PNG_RATIO, Math.max(MIN_PNG_RATIO, window.devicePixelRatio || 1));
}

function canvasBytes(canvas: HTMLCanvasElement): Promise<Uint8Array> {
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? blob.arrayBuffer().then((b) => resolve(new Uint8Array(b)), reject) : reject(new Error('the chart could not be drawn as PNG'))), 'image/png'),
  );
}

/** The chart's SVG drawn onto a canvas at the pixel ratio, as PNG bytes; its size is the chart's CSS size × the ratio. */
export async function svgToPng(svg: SVGSVGElement): Promise<{ bytes: Uint8Array; width: number; height: number }> {
  const text = serializeSvg(svg);
  const box = svg.getBoundingClientRect();
  const ratio = Math.min(pngRatio(), MAX_CANVAS_SIDE / Math.max(1, box.width), MAX_CANVAS_SIDE / Math.max(1, box.height));
  const image = new Image();
  // A data: URL is what the webview's content policy allows for images.
  image.src = `data:image/svg+xml;base64,${base64Of(new TextEncoder().encode(text))}`;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(box.width * ratio));
  canvas.height = Math.max(1, Math.round(box.height * ratio));
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2D canvas');
  context.drawImage(image, 0, 0, canvas.width, canvas.height);
  return { bytes: await canvasBytes(canvas), width: canvas.width, height: canvas.height };
}

/**
 * A heatmap canvas as PNG: it is drawn at the screen's pixel ratio already, so its own pixels
 * are the export, on the editor background (the canvas itself may be transparent).
 */
export async function canvasToPng(source: HTMLCanvasElement): Promise<{ bytes: Uint8Array; width: number; height: number }> {
  const canvas = document.createElement('canvas');
  canvas.width = source.width;
  canvas.height = source.height;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2D canvas');
  const fill = background();
  if (fill) {
    context.fillStyle = fill;
    context.fillRect(0, 0, canvas.width, canvas.height);
  }
  context.drawImage(source, 0, 0);
  return { bytes: await canvasBytes(canvas), width: canvas.width, height: canvas.height };
}
