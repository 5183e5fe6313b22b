import type { DenseMatrixPayload } from '../../../src/protocol/payloads';
import { renderHeatmap, type Heatmap } from '../../charts/heatmap';
import { DisposableStore, type Disposable } from '../../disposable';
import { el } from '../../dom';
import { formatNumber } from '../../model/format';
import { fixedScaleHeatmap } from '../../model/heatmapModel';
import { onThemeChange } from '../../theme';
import type { GridRequests } from '../gridRequest';
import type { SubspaceStore } from '../subspaceStore';
import { otherOptions, picker } from './picker';

const SIZE = 320;

/**
 * The LoRA paper's φ(i, j) between A's top-i and B's top-j singular directions of one module,
 * for column and row spaces, asked of the host when a module is picked (it reads that pair only).
 */
export function mountPhiGrid(parent: HTMLElement, store: SubspaceStore, grids: GridRequests): Disposable {
  const disposables = new DisposableStore();
  const result = store.result;
  if (result?.kind !== 'comparison') return disposables;
  const payload = result.payload;
  const module = picker(
    'Module',
    'phi-module',
    payload.modules.map((m) => [m.name, m.name]),
  );
  const other = picker('Against', 'other', otherOptions(payload.others));
  const toolbar = el('div', 'toolbar');
  toolbar.append(module.label, other.label);
  const body = el('div', 'mixer-panels');
  parent.append(
    toolbar,
    el('p', 'hint', 'φ(i, j) = ‖X_A[:, :i]ᵀ X_B[:, :j]‖²_F / min(i, j): 1 where the smaller span lies in the larger. Rows past a module’s numerical rank compare rounding noise.'),
    body,
  );
  const heatmaps: Heatmap[] = [];
  const clear = () => heatmaps.splice(0).forEach((h) => h.dispose());
  disposables.add({ dispose: clear });
  disposables.add(onThemeChange(() => heatmaps.forEach((h) => h.repaint())));
  const ask = () => {
    store.updateView({ module: module.select.value, other: Number(other.select.value) });
    void grids.load(module.select.value, Number(other.select.value));
  };
  disposables.listen(module.select, 'change', ask);
  disposables.listen(other.select, 'change', ask);

  const panel = (title: string, matrix: DenseMatrixPayload) => {
    const section = el('section', `matrix phi-${title.startsWith('Column') ? 'column' : 'row'}`);
    section.append(el('h3', undefined, title), el('p', 'hint', `${matrix.rows}×${matrix.cols}: i down (A), j across (B)`));
    body.append(section);
    const cell = Math.max(6, Math.min(40, Math.floor(SIZE / Math.max(matrix.rows, matrix.cols, 1))));
    heatmaps.push(renderHeatmap(section, fixedScaleHeatmap(matrix, 1, cell, cell), `${title} φ grid`, (hit) => `φ(${hit.row + 1}, ${hit.col + 1}) = ${formatNumber(hit.value)}`));
  };
  const render = () => {
    if (store.view.module !== null) module.select.value = store.view.module;
    other.select.value = String(store.view.other);
    clear();
    const g = store.grid;
    if (g.kind === 'none') body.replaceChildren(el('p', 'placeholder', 'Pick a module (or click a cell of the similarity map) to compute its φ grids.'));
    else if (g.kind === 'loading') body.replaceChildren(el('p', 'placeholder', `Computing the φ grids of ${g.module}…`));
    else if (g.kind === 'failed') body.replaceChildren(el('p', 'placeholder error', g.message));
    else {
      body.replaceChildren();
      panel('Column spaces', g.grid.column);
      panel('Row spaces', g.grid.row);
    }
  };
  render();
  disposables.add(store.subscribe((changes) => (changes.has('grid') || changes.has('view')) && render()));
  // The first time the tab is shown with nothing picked, compute the first module's grid.
  disposables.add(
    store.subscribe((changes) => {
      if (changes.has('view') && store.view.tab === 'phi' && store.grid.kind === 'none' && payload.modules.length > 0) ask();
    }),
  );
  return disposables;
}
