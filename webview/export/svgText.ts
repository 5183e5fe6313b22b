/**
 * The pure parts of turning a chart's SVG into a file: the style attribute built from computed
 * values, and the standalone document around the serialized markup. Kept free of the DOM so
 * that they can be tested on their own.
 */

/** The presentation properties a chart's marks and text use; their computed values are inlined. */
export const INLINED_PROPERTIES = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'stroke-dasharray',
  'stroke-linecap',
  'stroke-linejoin',
  'opacity',
  'visibility',
  'display',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'text-anchor',
  'dominant-baseline',
  'shape-rendering',
  'color',
] as const;

/** Properties that do not inherit: written only where they change how an element draws. */
const NOT_INHERITED: Readonly<Record<string, (value: string) => boolean>> = {
  opacity: (v) => v !== '1',
  display: (v) => v === 'none',
};

/**
 * Whether an element's computed value must be written on it: a non-inherited property when it
 * differs from its initial value, an inherited one when it differs from the parent's (the root
 * writes all of them, `parent` null).
 */
export function keepProperty(name: string, value: string, parent: string | null): boolean {
  const own = NOT_INHERITED[name];
  if (own) return own(value.trim());
  return parent === null || value !== parent;
}

/**
 * Presentation attributes from computed values: a standalone file has none of the webview's CSS
 * or theme variables, so each element carries its resolved colours and fonts. They go in as
 * attributes rather than a style attribute, which the webview's content policy forbids.
 * Values are computed strings (rgb(), px, keywords); an empty one is dropped.
 */
export function presentationAttributes(values: ReadonlyMap<string, string>): [string, string][] {
  const out: [string, string][] = [];
  for (const [name, value] of values) {
    const clean = value.trim();
    if (clean.length > 0) out.push([name, clean]);
  }
  return out;
}

/** A positive, finite pixel size with at most two decimals. */
function pixels(value: number): string {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`bad SVG size ${value}`);
  return String(Math.round(value * 100) / 100);
}

/**
 * The standalone SVG file: an XML declaration, the namespaces, an explicit size and viewBox,
 * and a background rectangle in the theme's editor colour so that light text stays readable.
 * `inner` is the serialized children of the chart's <svg>.
 */
export function svgDocument(inner: string, width: number, height: number, background: string | null): string {
  const w = pixels(width);
  const h = pixels(height);
  const fill = background && !/[;<>"]/.test(background) ? `<rect width="100%" height="100%" fill="${background}"/>` : '';
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' +
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">` +
    fill +
    inner +
    '</svg>\n'
  );
}

/** Bytes to base64, in chunks (a spread of a large array would exceed the arguments a call takes). */
export function base64Of(bytes: Uint8Array): string {
  const CHUNK = 0x8000;
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}
