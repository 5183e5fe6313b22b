import type { Locator } from 'playwright-core';

/** A number as the page shows it (d3's minus sign, exponent form, a percent) back as a number. */
export function shownNumber(text: string): number {
  const t = text.trim().replace('−', '-');
  return t.endsWith('%') ? Number(t.slice(0, -1)) / 100 : Number(t);
}

/** Whether a shown value agrees with the exact one to the 4 significant digits shown. */
export function agrees(text: string, exact: number): boolean {
  const shown = shownNumber(text);
  return Math.abs(shown - exact) <= 5e-4 * Math.abs(exact) + 1e-12;
}

/** Texts of one column's cells, by the `data-key` the table sets on each cell. */
export function columnTexts(table: Locator, key: string): Promise<string[]> {
  return table.locator(`tbody td[data-key="${key}"]`).allTextContents();
}

/** Computed style property of the first element matching a selector. */
export async function computed(locator: Locator, property: string): Promise<string> {
  return locator.first().evaluate((node, p) => getComputedStyle(node).getPropertyValue(p), property);
}

/** `#rrggbb` as the `rgb(r, g, b)` that getComputedStyle reports. */
export function rgb(hex: string): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}

/** A colour as 0–255 channels and an alpha in 0–1. */
export interface Rgba {
  readonly r: number;
  readonly g: number;
  readonly b: number;
  readonly a: number;
}

/**
 * A computed colour back as channels: `rgb(…)`/`rgba(…)`, or the `color(srgb …)` form Chromium
 * reports for relative colours (`rgb(from … r g b / 1)`). Null for `none` or anything else.
 */
export function parseColour(text: string): Rgba | null {
  const t = text.trim();
  const legacy = /^rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)$/.exec(t);
  if (legacy) return { r: Number(legacy[1]), g: Number(legacy[2]), b: Number(legacy[3]), a: legacy[4] === undefined ? 1 : Number(legacy[4]) };
  const srgb = /^color\(srgb ([\d.e-]+) ([\d.e-]+) ([\d.e-]+)(?: \/ ([\d.]+))?\)$/.exec(t);
  if (srgb)
    return { r: Math.round(255 * Number(srgb[1])), g: Math.round(255 * Number(srgb[2])), b: Math.round(255 * Number(srgb[3])), a: srgb[4] === undefined ? 1 : Number(srgb[4]) };
  return null;
}

/** `#rrggbb` as channels. */
export function hexColour(hex: string): Rgba {
  const n = parseInt(hex.slice(1, 7), 16);
  return { r: (n >> 16) & 255, g: (n >> 8) & 255, b: n & 255, a: 1 };
}

/** A computed colour and a theme's `#rrggbb`, the same to a channel step. */
export function sameColour(computedText: string, hex: string): boolean {
  const c = parseColour(computedText);
  const h = hexColour(hex);
  return c !== null && c.a === 1 && Math.abs(c.r - h.r) <= 1 && Math.abs(c.g - h.g) <= 1 && Math.abs(c.b - h.b) <= 1;
}
