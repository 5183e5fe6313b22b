import { lineLegend, renderLineChart, type LineChart } from '../../charts/lineChart';
import { DisposableStore, type Disposable } from '../../disposable';
import { el } from '../../dom';
import { convergenceLines, type ConvergenceMetric } from '../../model/convergenceModel';
import { lineChartModel } from '../../model/lineChartModel';
import { moduleTypesOf } from '../../model/moduleTypes';
import type { GridRequests } from '../gridRequest';
import type { SubspaceStore } from '../subspaceStore';
import { picker } from './picker';

const CHARTS: readonly { metric: ConvergenceMetric; title: string; yLabel: string; yDomain?: readonly [number, number] }[] = [
  { metric: 'cosine', title: 'Cosine to the final ΔW', yLabel: 'cos(ΔW_t, ΔW_final)' },
  { metric: 'angle', title: 'Angle of the top singular vector to the final one', yLabel: 'degrees', yDomain: [0, 90] },
];

/**
 * Convergence curves of one run: per module, cosine to the final ΔW and the top left singular
 * vector's angle to the final one, against the step; one line per module, filtered by type.
 */
export function mountConvergence(parent: HTMLElement, store: SubspaceStore, _grids: GridRequests): Disposable {
  const disposables = new DisposableStore();
  const result = store.result;
  if (result?.kind !== 'convergence') return disposables;
  const payload = result.payload;
  const type = picker(
    'Module type',
    'module-type',
    moduleTypesOf(payload.modules).map((t) => [t, t]),
    'all',
  );
  const legend = el('div');
  const toolbar = el('div', 'toolbar');
  toolbar.append(type.label, legend);
  const checkpoints = payload.checkpoints.map((c) => (c.step === null ? c.label : `${c.label} (step ${c.step})`)).join(' → ');
  parent.append(toolbar, el('p', 'hint', `${checkpoints}. The last is the final checkpoint every other is compared to.`));
  if (payload.warnings.length > 0) {
    const list = el('ul', 'warnings');
    for (const w of payload.warnings) list.append(el('li', undefined, w));
    parent.append(list);
  }
  const charts: { chart: LineChart | null; holder: HTMLElement }[] = CHARTS.map((c) => {
    const section = el('section', `convergence convergence-${c.metric}`);
    const holder = el('div', 'chart-holder');
    section.append(el('h3', undefined, c.title), holder);
    parent.append(section);
    return { chart: null, holder };
  });
  disposables.add({ dispose: () => charts.forEach((c) => c.chart?.dispose()) });
  disposables.listen(type.select, 'change', () => store.updateView({ moduleType: type.select.value || null }));
  const render = () => {
    type.select.value = store.view.moduleType ?? '';
    CHARTS.forEach((c, i) => {
      const lines = convergenceLines(payload, c.metric, store.view.moduleType);
      if (i === 0) legend.replaceChildren(lineLegend(lines.legend));
      const model = lineChartModel(lines.lines, {
        width: 720,
        height: 280,
        xLabel: lines.xLabel,
        yLabel: c.yLabel,
        integerX: lines.xLabel === 'checkpoint',
        ...(c.yDomain ? { yDomain: c.yDomain } : {}),
      });
      const slot = charts[i];
      if (slot.chart) slot.chart.update(model);
      else slot.chart = renderLineChart(slot.holder, model, c.title);
    });
  };
  render();
  disposables.add(store.subscribe((changes) => changes.has('view') && render()));
  return disposables;
}
