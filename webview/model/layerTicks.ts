import { layerLabel } from './layerLabel';

export interface LayerTick {
  /** Row or column of the map. */
  readonly index: number;
  /** Centre of that row or column in px from the map's edge. */
  readonly offset: number;
  /** The layer's number (`12`), or the module name when it has none. */
  readonly text: string;
}

/**
 * Ticks along one side of a layer × layer map: every layer when cells are wide enough for a
 * label, else every s-th so labels stay `spacing` px apart; the last layer is always labelled
 * (it says how deep the map goes), replacing the tick before it if the two would crowd.
 */
export function layerTicks(names: readonly string[], cell: number, spacing = 22): LayerTick[] {
  const count = names.length;
  if (count === 0 || !(cell > 0)) return [];
  const step = Math.max(1, Math.ceil(spacing / cell));
  const tick = (index: number): LayerTick => ({ index, offset: index * cell + cell / 2, text: layerLabel(names[index]).replace(/^layer /, '') });
  const ticks: LayerTick[] = [];
  for (let i = 0; i < count; i += step) ticks.push(tick(i));
  const last = count - 1;
  const previous = ticks[ticks.length - 1].index;
  if (previous !== last) {
    // The first layer keeps its label even on a map too small for two.
    if ((last - previous) * cell < spacing && ticks.length > 1) ticks.pop();
    ticks.push(tick(last));
  }
  return ticks;
}
