import type { LayerAnalysis } from '../../src/protocol/payloads';

/** Layers overlaid when none were chosen: the selected one, else the first few analysed. */
const DEFAULT_COUNT = 3;

/** The layers the spectrum chart draws: the chosen ones that have a spectrum. */
export function spectrumLayers(chosen: readonly number[], selected: number | null, results: ReadonlyMap<number, LayerAnalysis>): number[] {
  const ok = (i: number) => results.get(i)?.status === 'ok';
  if (chosen.length > 0) return chosen.filter(ok);
  if (selected !== null && ok(selected)) return [selected];
  return [...results.keys()]
    .filter(ok)
    .sort((a, b) => a - b)
    .slice(0, DEFAULT_COUNT);
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
