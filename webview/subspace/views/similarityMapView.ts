import type { ComparisonPayload } from '../../../src/protocol/subspacePayloads';
import { renderHeatmap, type Heatmap } from '../../charts/heatmap';
import { heatmapKey } from '../../charts/heatmapKey';
import { DisposableStore, type Disposable } from '../../disposable';
import { el } from '../../dom';
import { formatNumber } from '../../model/format';
import { cellAt, fixedScaleHeatmap, type HeatmapModel } from '../../model/heatmapModel';
import { onThemeChange } from '../../theme';
import type { GridRequests } from '../gridRequest';
import type { SubspaceStore, SubspaceView } from '../subspaceStore';

const METRICS: readonly { value: SubspaceView['metric']; label: string; note: string; min: number; meaning: string }[] = [
  {
    value: 'cosine',
    label: 'cos(ΔW_A, ΔW_B)',
    note: 'cosine of the two ΔW in [−1, 1]: blue negative, red positive',
    min: -1,
    meaning: 'blue: opposite directions, red: the same direction',
  },
  {
    value: 'columnCosine',
    label: 'column spaces',
    note: 'mean cosine of the principal angles between the top-k column spaces, in [0, 1]',
    min: 0,
    meaning: '0 no shared directions, 1 the same subspace',
  },
  {
    value: 'rowCosine',
    label: 'row spaces',
    note: 'mean cosine of the principal angles between the top-k row spaces, in [0, 1]',
    min: 0,
    meaning: '0 no shared directions, 1 the same subspace',
  },
];

/** Wide enough for a checkpoint's folder name above its column; tall enough for a module name's line. */
const MAP_CELL = { width: 112, height: 14 } as const;

/**
 * Module × adapter map of the comparison: one row per module of A, one column per other
 * adapter, on a fixed scale of 1 so columns and metrics compare by colour. Hover gives the
 * value; a click opens that pair's φ grid.
 */
export function mountSimilarityMap(parent: HTMLElement, store: SubspaceStore, grids: GridRequests): Disposable {
  const disposables = new DisposableStore();
  const toolbar = el('div', 'toolbar');
  const label = el('label', undefined, 'Show ');
  const metric = el('select', 'metric');
  for (const m of METRICS) {
    const option = el('option', undefined, m.label);
    option.value = m.value;
    metric.append(option);
  }
  label.append(metric);
  const note = el('span', 'hint');
  toolbar.append(label, note);
  const map = el('div', 'labelled-map');
  const keyBox = el('div');
  parent.append(toolbar, el('p', 'hint', 'Hover a cell for its value; click it for the φ grid of that module. Crossed-out cells were not compared (see Unmatched).'), keyBox, map);
  disposables.listen(metric, 'change', () => store.updateView({ metric: metric.value as SubspaceView['metric'] }));

  let heatmap: Heatmap | null = null;
  disposables.add({ dispose: () => heatmap?.dispose() });
  disposables.add(onThemeChange(() => heatmap?.repaint()));
  let shown: { payload: ComparisonPayload; metric: SubspaceView['metric'] } | null = null;

  const render = () => {
    const result = store.result;
    if (result?.kind !== 'comparison') return;
    const payload = result.payload;
    const chosen = store.view.metric;
    metric.value = chosen;
    const described = METRICS.find((m) => m.value === chosen);
    note.textContent = described?.note ?? '';
    if (shown?.payload === payload && shown.metric === chosen) return;
    keyBox.replaceChildren(heatmapKey(described?.min ?? 0, 1, described?.meaning ?? ''));
    shown = { payload, metric: chosen };
    heatmap?.dispose();
    const columns = el('div', 'map-columns');
    for (const o of payload.others) {
      const head = el('span', 'map-column', o.label);
      head.title = o.file;
      columns.append(head);
    }
    const rows = el('div', 'map-rows');
    for (const m of payload.modules) rows.append(el('span', 'map-row', m.name));
    const canvasCell = el('div', 'map-canvas');
    map.replaceChildren(el('span'), columns, rows, canvasCell);
    const model: HeatmapModel = fixedScaleHeatmap(payload[chosen], 1, MAP_CELL.width, MAP_CELL.height);
    const metricLabel = METRICS.find((m) => m.value === chosen)?.label ?? chosen;
    heatmap = renderHeatmap(
      canvasCell,
      model,
      `${metricLabel} of ${payload.modules.length} modules against ${payload.others.length} adapter(s)`,
      (hit) => `${payload.modules[hit.row]?.name ?? hit.row} · ${payload.others[hit.col]?.label ?? hit.col}: ${metricLabel} = ${formatNumber(hit.value)}`,
    );
    const canvas = canvasCell.querySelector('canvas');
    canvas?.addEventListener('click', (event) => {
      const box = canvas.getBoundingClientRect();
      const hit = cellAt(model, event.clientX - box.left, event.clientY - box.top);
      const module = hit ? payload.modules[hit.row]?.name : undefined;
      if (!hit || module === undefined) return;
      store.updateView({ module, other: hit.col, tab: 'phi' });
      void grids.load(module, hit.col);
    });
  };
  render();
  disposables.add(store.subscribe((changes) => (changes.has('result') || changes.has('view')) && render()));
  return disposables;
}
