import { lineLegend, renderLineChart, type LineChart } from '../../charts/lineChart';
import { DisposableStore, type Disposable } from '../../disposable';
import { el } from '../../dom';
import { baseDepth, type BaseDepth } from '../../model/baseDepthModel';
import { formatNumber } from '../../model/format';
import { lineChartModel, type LineChartModel } from '../../model/lineChartModel';
import { moduleTypesOf } from '../../model/moduleTypes';
import type { BaseModelPayload } from '../../../src/protocol/basePayloads';
import type { GridRequests } from '../gridRequest';
import type { SubspaceStore } from '../subspaceStore';
import { picker } from './picker';

const SIZE = { width: 720, height: 240 } as const;

const ALIGNMENT = [
  { key: 'column', label: 'column spaces: mean cos θ', slot: 0 },
  { key: 'row', label: 'row spaces: mean cos θ', slot: 2 },
] as const;
const AMPLIFICATION = [{ key: 'amplification', label: 'amplification ‖ΔW‖ / ‖Xᵀ·W0·Y‖', slot: 1 }] as const;
const INTRUDERS = [
  { key: 'intruders', label: 'intruders (best cos < ε)', slot: 4 },
  { key: 'undetermined', label: 'undetermined (within the error bounds of ε)', slot: 3 },
] as const;

interface Chart {
  readonly key: string;
  readonly title: string;
  readonly series: readonly { readonly key: keyof BaseDepth; readonly label: string; readonly slot: number }[];
  readonly model: (d: BaseDepth, p: BaseModelPayload) => LineChartModel;
}

const CHARTS: readonly Chart[] = [
  {
    key: 'alignment',
    title: 'Alignment with W0’s top-k singular vectors',
    series: ALIGNMENT,
    model: (d, p) =>
      lineChartModel(
        ALIGNMENT.map((s) => ({ ...s, xs: d.depths, ys: d[s.key] })),
        { ...SIZE, xLabel: 'depth (block)', yLabel: `mean cos θ (k = ${p.k})`, yDomain: [0, 1], integerX: true },
      ),
  },
  {
    key: 'amplification',
    title: 'Amplification (log scale; geometric mean per depth)',
    series: AMPLIFICATION,
    model: (d) =>
      lineChartModel(
        AMPLIFICATION.map((s) => ({ ...s, xs: d.depths, ys: d[s.key] })),
        { ...SIZE, xLabel: 'depth (block)', yLabel: 'amplification', integerX: true, yScale: 'log' },
      ),
  },
  {
    key: 'intruders',
    title: 'Intruder dimensions (summed per depth)',
    series: INTRUDERS,
    model: (d, p) =>
      lineChartModel(
        INTRUDERS.map((s) => ({ ...s, xs: d.depths, ys: d[s.key] })),
        {
          ...SIZE,
          xLabel: 'depth (block)',
          yLabel: `count among the top ${p.k} of W0 + ΔW, ε = ${formatNumber(p.epsilon)}`,
          yDomain: [0, [d.intruders, d.undetermined].reduce((top, xs) => xs.reduce((a, b) => Math.max(a, b), top), 1)],
          integerX: true,
          integerY: true,
        },
      ),
  },
];

/**
 * The base-model numbers against depth, one chart each: alignment (columns and rows on [0, 1]),
 * amplification on a log axis (it spans decades), and intruder counts with the undetermined ones
 * as a separate dashed series, so an unresolved count never reads as a determined one.
 */
export function mountBaseDepth(parent: HTMLElement, store: SubspaceStore, _grids: GridRequests): Disposable {
  const disposables = new DisposableStore();
  const result = store.result;
  if (result?.kind !== 'base') return disposables;
  const payload = result.payload;
  const type = picker(
    'Module type',
    'module-type',
    moduleTypesOf(payload.modules).map((t) => [t, t]),
    'all',
  );
  const toolbar = el('div', 'toolbar');
  toolbar.append(type.label);
  const empty = el('p', 'placeholder', 'No analysed module has a layer index in its name, so there is no depth to plot.');
  parent.append(toolbar, empty);
  disposables.listen(type.select, 'change', () => store.updateView({ moduleType: type.select.value || null }));
  const charts: { chart: LineChart | null; holder: HTMLElement; spec: Chart }[] = CHARTS.map((spec) => {
    const section = el('section', `base-chart base-${spec.key}`);
    const holder = el('div', 'chart-holder');
    section.append(el('h3', undefined, spec.title), lineLegend(spec.series), holder);
    parent.append(section);
    return { chart: null, holder, spec };
  });
  disposables.add({ dispose: () => charts.forEach((c) => c.chart?.dispose()) });
  const render = () => {
    type.select.value = store.view.moduleType ?? '';
    const d = baseDepth(payload, store.view.moduleType);
    empty.hidden = d.depths.length > 0;
    for (const c of charts) {
      const model = c.spec.model(d, payload);
      if (c.chart) c.chart.update(model);
      else c.chart = renderLineChart(c.holder, model, c.spec.title);
    }
  };
  render();
  disposables.add(store.subscribe((changes) => changes.has('view') && render()));
  return disposables;
}
