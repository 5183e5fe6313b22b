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
