import { lineLegend, renderLineChart, type LineChart } from '../../charts/lineChart';
import { DisposableStore, type Disposable } from '../../disposable';
import { el } from '../../dom';
import { depthSimilarity } from '../../model/depthModel';
import { lineChartModel } from '../../model/lineChartModel';
import { moduleTypesOf } from '../../model/moduleTypes';
import type { GridRequests } from '../gridRequest';
import type { SubspaceStore } from '../subspaceStore';
import { otherOptions, picker } from './picker';

const SERIES = [
  { key: 'cosine', label: 'cos(ΔW_A, ΔW_B)', slot: 0 },
  { key: 'column', label: 'column spaces: mean cos θ', slot: 1 },
  { key: 'row', label: 'row spaces: mean cos θ', slot: 2 },
] as const;

/** Similarity against depth: per block, the mean cosine and mean principal-angle cosines of its modules. */
export function mountDepth(parent: HTMLElement, store: SubspaceStore, _grids: GridRequests): Disposable {
  const disposables = new DisposableStore();
  const result = store.result;
  if (result?.kind !== 'comparison') return disposables;
  const payload = result.payload;
  const other = picker('Against', 'other', otherOptions(payload.others));
  const type = picker(
    'Module type',
    'module-type',
    moduleTypesOf(payload.modules).map((t) => [t, t]),
    'all',
  );
  const toolbar = el('div', 'toolbar');
  toolbar.append(other.label, type.label, lineLegend(SERIES));
  const holder = el('div', 'chart-holder');
  const empty = el('p', 'placeholder', 'No compared module has a layer index in its name, so there is no depth to plot.');
  parent.append(toolbar, holder, empty);
  disposables.listen(other.select, 'change', () => store.updateView({ other: Number(other.select.value) }));
  disposables.listen(type.select, 'change', () => store.updateView({ moduleType: type.select.value || null }));
  let chart: LineChart | null = null;
  disposables.add({ dispose: () => chart?.dispose() });
  const render = () => {
    other.select.value = String(store.view.other);
    type.select.value = store.view.moduleType ?? '';
    const d = depthSimilarity(payload, store.view.other, store.view.moduleType);
    empty.hidden = d.depths.length > 0;
    const model = lineChartModel(
      SERIES.map((s) => ({ key: s.key, label: s.label, slot: s.slot, xs: d.depths, ys: d[s.key] })),
      { width: 720, height: 320, xLabel: 'depth (block)', yLabel: 'similarity', yDomain: [d.cosine.reduce((a, b) => Math.min(a, b), 0), 1], integerX: true },
    );
    if (chart) chart.update(model);
    else chart = renderLineChart(holder, model, 'Similarity against depth');
  };
  render();
  disposables.add(store.subscribe((changes) => changes.has('view') && render()));
  return disposables;
}
