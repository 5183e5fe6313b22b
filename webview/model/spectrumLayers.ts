import type { LayerAnalysis } from '../../src/protocol/payloads';

/**
 * Layers overlaid when none were chosen and none is selected: per module type, the one with the
 * largest σ1, the layer the finetune moved most. One curve per type compares the types at their
 * strongest instead of showing whichever layers happened to come first. Capped so the overlay
 * stays legible on adapters with many module types (kohya names).
 */
export const MAX_DEFAULT_LAYERS = 8;

/** The layers the spectrum chart draws: the chosen ones that have a spectrum, else the selected one, else the largest σ1 of each module type. */
export function spectrumLayers(
  chosen: readonly number[],
  selected: number | null,
  results: ReadonlyMap<number, LayerAnalysis>,
  moduleTypeOf: (index: number) => string | undefined,
): number[] {
  const ok = (i: number) => results.get(i)?.status === 'ok';
  if (chosen.length > 0) return chosen.filter(ok);
  if (selected !== null && ok(selected)) return [selected];
  return largestPerModuleType(results, moduleTypeOf, MAX_DEFAULT_LAYERS);
}

/**
 * Per module type, the analysed layer with the largest σ1 (the lower index on a tie), in order of
 * that σ1, largest first; at most `limit` of them. A layer without a type counts as its own type.
 */
export function largestPerModuleType(results: ReadonlyMap<number, LayerAnalysis>, moduleTypeOf: (index: number) => string | undefined, limit: number): number[] {
  const best = new Map<string, [number, number]>();
  for (const [index, r] of results) {
    if (r.status !== 'ok') continue;
    const type = moduleTypeOf(index) ?? `#${index}`;
    const held = best.get(type);
    const sigma1 = r.metrics.sigma1;
    if (!held || sigma1 > held[1] || (sigma1 === held[1] && index < held[0])) best.set(type, [index, sigma1]);
  }
  return [...best.values()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, limit)
    .map(([index]) => index);
}

/** The k layers with the largest σ1: a quick way to compare the layers the finetune moved most. */
export function topBySigma1(results: ReadonlyMap<number, LayerAnalysis>, k: number): number[] {
  const scored: [number, number][] = [];
  for (const [index, r] of results) if (r.status === 'ok') scored.push([index, r.metrics.sigma1]);
  return scored
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, k)
    .map(([index]) => index);
}
