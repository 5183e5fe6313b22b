import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';
import { lineLegend, renderLineChart, type LineChart } from '../../charts/lineChart';
import { DisposableStore, type Disposable } from '../../disposable';
import { component, el } from '../../dom';
import { convergenceLines, type ConvergenceMetric } from '../../model/convergenceModel';
import { lineChartModel } from '../../model/lineChartModel';
import { moduleTypesOf } from '../../model/moduleTypes';
import type { GridRequests } from '../gridRequest';
import type { SubspaceActions } from '../subspaceApp';
import type { SubspaceStore } from '../subspaceStore';
import { picker } from './picker';

interface ChartSpec {
  readonly metric: ConvergenceMetric;
  readonly title: string;
  readonly yLabel: string;
  readonly yDomain?: readonly [number, number];
}

const CHARTS: readonly ChartSpec[] = [
  { metric: 'cosine', title: 'Cosine to the final ΔW', yLabel: 'cos(ΔW_t, ΔW_final)' },
  { metric: 'angle', title: 'Angle of the top singular vector to the final one', yLabel: 'degrees', yDomain: [0, 90] },
];

/** Shown once a reference is chosen: the curves of Dayi & Chen, alignment and recovery against the step. */
const REFERENCE_CHARTS: readonly ChartSpec[] = [
  { metric: 'alignmentU', title: "Alignment of ΔW_t's top left singular vector with u", yLabel: '|cos(u1, u)|', yDomain: [0, 1] },
  { metric: 'alignmentV', title: "Alignment of ΔW_t's top right singular vector with v", yLabel: '|cos(v1, v)|', yDomain: [0, 1] },
  { metric: 'recoveryError', title: 'Recovery error ‖ΔW_t − ΔW_ref‖F / ‖ΔW_ref‖F', yLabel: 'relative error' },
];

/**
 * Convergence curves of one run: per module, cosine to the final ΔW and the top left singular
 * vector's angle to the final one, against the step; one line per module, filtered by type.
 * Choose Reference… has the host measure the run against a reference file; its alignment and
 * recovery-error curves then come first.
 */
export function mountConvergence(parent: HTMLElement, store: SubspaceStore, _grids: GridRequests, actions: SubspaceActions): Disposable {
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
  const choose = component<VscodeButton>('vscode-button', 'choose-reference', payload.reference ? 'Change Reference…' : 'Choose Reference…');
  choose.title = 'Measure every checkpoint against a teacher u, v (and θ) or a reference ΔW per module';
  disposables.listen(choose, 'click', () => actions.chooseReference());
  const toolbar = el('div', 'toolbar');
  toolbar.append(type.label, choose, legend);
  const checkpoints = payload.checkpoints.map((c) => (c.step === null ? c.label : `${c.label} (step ${c.step})`)).join(' → ');
  parent.append(toolbar, el('p', 'hint', `${checkpoints}. The last is the final checkpoint every other is compared to.`));
  if (payload.referenceError) parent.append(el('p', 'reference-error', `The reference could not be used: ${payload.referenceError}`));
  const ref = payload.reference;
  if (ref) {
    const missing = ref.unreferenced.length > 0 ? ` No entry (not shown): ${ref.unreferenced.join(', ')}.` : '';
    parent.append(el('p', 'hint reference-hint', `Against ${ref.file.label} (${ref.file.file}).${missing}`));
  }
  if (payload.warnings.length > 0) {
    const list = el('ul', 'warnings');
    for (const w of payload.warnings) list.append(el('li', undefined, w));
    parent.append(list);
  }
  const specs = ref ? [...REFERENCE_CHARTS, ...CHARTS] : CHARTS;
  const charts: { chart: LineChart | null; holder: HTMLElement }[] = specs.map((c) => {
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
    specs.forEach((c, i) => {
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
