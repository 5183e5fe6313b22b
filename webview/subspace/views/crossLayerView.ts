import type { DenseMatrixPayload } from '../../../src/protocol/payloads';
import type { CrossLayerGroupPayload } from '../../../src/protocol/subspacePayloads';
import { renderHeatmap, type Heatmap } from '../../charts/heatmap';
import { heatmapKey, layerAxes } from '../../charts/heatmapKey';
import { DisposableStore, type Disposable } from '../../disposable';
import { el } from '../../dom';
import { formatNumber } from '../../model/format';
import { layerLabel } from '../../model/layerLabel';
import { layerTicks } from '../../model/layerTicks';
import { fixedScaleHeatmap } from '../../model/heatmapModel';
import { offDiagonalMax } from '../../model/offDiagonal';
import { onThemeChange } from '../../theme';
import type { GridRequests } from '../gridRequest';
import type { SubspaceStore, SubspaceView } from '../subspaceStore';
import { picker } from './picker';

const SIZE = 300;

/**
 * Layer × layer maps of one module type: φ of column spaces, φ of row spaces and the ΔW cosine,
 * each on a fixed scale, with the random-subspace baseline beside the φ maps: a value near the
 * baseline means the layers share no more than chance.
 */
export function mountCrossLayer(parent: HTMLElement, store: SubspaceStore, _grids: GridRequests): Disposable {
  const disposables = new DisposableStore();
  const result = store.result;
  if (result?.kind !== 'crossLayer') return disposables;
  const groups = result.payload.groups;
  if (groups.length === 0) {
    parent.append(el('p', 'placeholder', 'No module type has two or more layers of one shape: there is nothing to compare across layers.'));
    return disposables;
  }
  const group = picker(
    'Module type',
    'group',
    groups.map((g, i) => [String(i), `${g.moduleType} (${g.rows}×${g.cols}, ${g.layers.length} layers)`]),
  );
  const scale = picker('Colour scale', 'scale', [
    ['unit', '0 to 1'],
    ['offDiagonal', 'largest value between layers'],
  ]);
  const toolbar = el('div', 'toolbar');
  toolbar.append(group.label, scale.label);
  const body = el('div', 'mixer-panels');
  parent.append(toolbar, body);
  disposables.listen(group.select, 'change', () => store.updateView({ group: Number(group.select.value) }));
  disposables.listen(scale.select, 'change', () => store.updateView({ scale: scale.select.value as SubspaceView['scale'] }));
  const heatmaps: Heatmap[] = [];
  const clear = () => heatmaps.splice(0).forEach((h) => h.dispose());
  disposables.add({ dispose: clear });
  disposables.add(onThemeChange(() => heatmaps.forEach((h) => h.repaint())));

  const panel = (g: CrossLayerGroupPayload, key: string, title: string, matrix: DenseMatrixPayload, baseline: string, meaning: string) => {
    const section = el('section', `matrix cross-${key}`);
    const found = store.view.scale === 'offDiagonal' ? offDiagonalMax(matrix) : 1;
    const top = found > 0 ? found : 1;
    // The cosine is signed (blue: the two ΔW point opposite ways); φ is in [0, 1].
    const legend = heatmapKey(key === 'cosine' ? -top : 0, top, `${meaning}; beyond ${formatNumber(top)} at full colour`);
    section.append(el('h3', undefined, title), el('p', 'hint baseline', baseline), legend);
    body.append(section);
    const cell = Math.max(6, Math.min(40, Math.floor(SIZE / Math.max(g.layers.length, 1))));
    const mapCell = layerAxes(section, layerTicks(g.layers, cell), cell * g.layers.length);
    heatmaps.push(
      renderHeatmap(
        mapCell,
        fixedScaleHeatmap(matrix, top, cell, cell),
        `${title} of ${g.moduleType}`,
        (hit) => `${layerLabel(g.layers[hit.row] ?? '')} × ${layerLabel(g.layers[hit.col] ?? '')}: ${formatNumber(hit.value)}`,
      ),
    );
  };
  const render = () => {
    const index = Math.min(store.view.group, groups.length - 1);
    group.select.value = String(index);
    scale.select.value = store.view.scale;
    const g = groups[index];
    clear();
    body.replaceChildren();
    const shared = 'φ: 0 no shared directions, 1 the same subspace';
    panel(g, 'column', `Column spaces: φ(${g.k}, ${g.k})`, g.column, `random baseline k/m = ${formatNumber(g.randomColumn)}`, shared);
    panel(g, 'row', `Row spaces: φ(${g.k}, ${g.k})`, g.row, `random baseline k/n = ${formatNumber(g.randomRow)}`, shared);
    panel(g, 'cosine', 'cos(ΔW_i, ΔW_j)', g.cosine, 'random baseline ≈ 0', 'blue: opposite directions, red: the same direction');
  };
  render();
  disposables.add(store.subscribe((changes) => changes.has('view') && render()));
  return disposables;
}
