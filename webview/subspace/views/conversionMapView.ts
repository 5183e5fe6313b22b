import type { ConversionGroupPayload } from '../../../src/protocol/basePayloads';
import { renderHeatmap, type Heatmap } from '../../charts/heatmap';
import { DisposableStore, type Disposable } from '../../disposable';
import { el } from '../../dom';
import { formatNumber } from '../../model/format';
import { layerLabel } from '../../model/layerLabel';
import { fixedScaleHeatmap } from '../../model/heatmapModel';
import { offDiagonalMax } from '../../model/offDiagonal';
import { onThemeChange } from '../../theme';
import type { GridRequests } from '../gridRequest';
import type { SubspaceStore, SubspaceView } from '../subspaceStore';
import { picker } from './picker';

const SIZE = 300;

/**
 * CondLoRA's observation, checked: per module type, the layer × layer cosines of the conversion
 * matrices K = C_B·C_Aᵀ (signed, blue negative, red positive), with the random baseline and
 * the mean |cos| between different layers beside the map. Mean |cos| near 1/√(n·m) means the
 * layers' conversions share no more than chance; near 1, one conversion serves all layers.
 */
export function mountConversionMaps(parent: HTMLElement, store: SubspaceStore, _grids: GridRequests): Disposable {
  const disposables = new DisposableStore();
  const result = store.result;
  if (result?.kind !== 'base') return disposables;
  const groups = result.payload.conversionGroups;
  if (groups.length === 0) {
    parent.append(el('p', 'placeholder', 'No module type has two or more analysed layers of one shape: there are no conversions to compare across layers.'));
    return disposables;
  }
  const group = picker(
    'Module type',
    'group',
    groups.map((g, i) => [String(i), `${g.moduleType} (${g.layers.length} layers)`]),
  );
  const scale = picker('Colour scale', 'scale', [
    ['unit', '−1 to 1'],
    ['offDiagonal', 'largest |cos| between layers'],
  ]);
  const toolbar = el('div', 'toolbar');
  toolbar.append(group.label, scale.label);
  const body = el('div', 'mixer-panels');
  parent.append(toolbar, body);
  disposables.listen(group.select, 'change', () => store.updateView({ group: Number(group.select.value) }));
  disposables.listen(scale.select, 'change', () => store.updateView({ scale: scale.select.value as SubspaceView['scale'] }));
  let heatmap: Heatmap | null = null;
  const clear = () => {
    heatmap?.dispose();
    heatmap = null;
  };
  disposables.add({ dispose: clear });
  disposables.add(onThemeChange(() => heatmap?.repaint()));

  const panel = (g: ConversionGroupPayload) => {
    const section = el('section', 'matrix conversion-map');
    const top = store.view.scale === 'offDiagonal' ? offDiagonalMax(g.cosines) : 1;
    const title = 'cos(K_i, K_j), K = C_B·C_Aᵀ';
    section.append(el('h3', undefined, title));
    const cell = Math.max(6, Math.min(40, Math.floor(SIZE / Math.max(g.layers.length, 1))));
    heatmap = renderHeatmap(
      section,
      fixedScaleHeatmap(g.cosines, top > 0 ? top : 1, cell, cell),
      `${title} of ${g.moduleType}`,
      (hit) => `${layerLabel(g.layers[hit.row] ?? '')} × ${layerLabel(g.layers[hit.col] ?? '')}: ${formatNumber(hit.value)}`,
    );
    const side = el('section', 'matrix conversion-baseline');
    side.append(
      el('h3', undefined, 'Against chance'),
      el('p', 'hint mean-abs', `mean |cos| between layers = ${formatNumber(g.meanAbsOffDiagonal)}`),
      el('p', 'hint baseline', `random baseline √E[cos²] = 1/√(n·m) = ${formatNumber(g.baselineRms)}`),
      el('p', 'hint ratio', `${formatNumber(g.meanAbsOffDiagonal / g.baselineRms)}× the baseline`),
      el('p', 'hint', `full colour at ±${formatNumber(top)}`),
    );
    body.append(section, side);
  };
  const render = () => {
    const index = Math.min(store.view.group, groups.length - 1);
    group.select.value = String(index);
    scale.select.value = store.view.scale;
    clear();
    body.replaceChildren();
    panel(groups[index]);
  };
  render();
  disposables.add(store.subscribe((changes) => changes.has('view') && render()));
  return disposables;
}
