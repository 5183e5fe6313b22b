import type { LayerAnalysis, LayerRow } from '../../src/protocol/payloads';

/** Layers named one by one before the rest are counted. */
const LISTED = 12;

/**
 * A line for the ranks view saying what AdaLoRA's own selection kept (non-zero E entries per
 * layer), beside the spectral rules; null when no analysed layer stores selection values.
 */
export function learnedAllocationText(layers: readonly LayerRow[], results: ReadonlyMap<number, LayerAnalysis>): string | null {
  const kept: string[] = [];
  let learned = 0;
  let stored = 0;
  for (const layer of layers) {
    const r = results.get(layer.index);
    if (r?.status !== 'ok' || !r.learnedAllocation) continue;
    learned += r.learnedAllocation.learnedRank;
    stored += r.learnedAllocation.storedRank;
    kept.push(`${layer.name} ${r.learnedAllocation.learnedRank}/${r.learnedAllocation.storedRank}`);
  }
  if (kept.length === 0) return null;
  const listed = kept.slice(0, LISTED).join(', ') + (kept.length > LISTED ? `, … ${kept.length - LISTED} more` : '');
  return `AdaLoRA's learned allocation (its own selection values, E ≠ 0): ${kept.length} layer${kept.length === 1 ? '' : 's'} keep ${learned} of ${stored} ranks — ${listed}.`;
}
