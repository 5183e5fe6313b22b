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
