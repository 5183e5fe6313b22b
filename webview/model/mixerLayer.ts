import type { LayerAnalysis, LayerRow } from '../../src/protocol/payloads';

/**
 * The layer whose matrices the mixer view shows: the selected one when it has a core or a
 * mixer, else the first learned mixer (MoSLoRA), else the first layer with a core.
 */
export function mixerLayer(layers: readonly LayerRow[], results: ReadonlyMap<number, LayerAnalysis>, selected: number | null): number | null {
  const has = (i: number) => {
    const r = results.get(i);
    return r?.status === 'ok' && (r.core !== null || r.mixer !== null);
  };
  if (selected !== null && has(selected)) return selected;
  const withMixer = layers.find((l) => {
    const r = results.get(l.index);
    return r?.status === 'ok' && r.mixer !== null;
  });
  if (withMixer) return withMixer.index;
  return layers.find((l) => has(l.index))?.index ?? null;
}

/**
 * Why no matrix shows: still coming while the analysis runs; once it has ended, what the adapter's
 * modules are (a Kronecker or Hadamard product has no r×r core) or that none was analysed.
 */
export function mixerPlaceholder(status: 'waiting' | 'running' | 'held' | 'done' | 'failed', layers: readonly LayerRow[], results: ReadonlyMap<number, LayerAnalysis>): string {
  if (status === 'running' || status === 'waiting') return 'No core or mixer matrices yet: they appear as layers are analysed.';
  if (status === 'held') return 'No core or mixer matrices: the adapter has not been analysed yet.';
  const analysed = layers.filter((l) => results.get(l.index)?.status === 'ok');
  if (analysed.length === 0) return 'No core or mixer matrices: no layer was analysed.';
  const structured = analysed.filter((l) => l.structure !== undefined);
  if (structured.length === analysed.length) {
    const names = [...new Set(structured.map((l) => l.structure?.algorithm))].join(' and ');
    return `No core or mixer matrices: every analysed layer is ${names}, a ${names === 'LoKr' ? 'Kronecker' : 'structured'} product of its factors rather than B·A, so ΔW has no r×r core; its singular values come from the factors directly.`;
  }
  return 'No core or mixer matrices for these layers.';
}
