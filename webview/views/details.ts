import type { LayerAnalysis, LayerRow } from '../../src/protocol/payloads';
import type { Actions } from '../actions';
import { renderSpectrumChart, type SpectrumChart } from '../charts/spectrumChart';
import { DisposableStore, type Disposable } from '../disposable';
import { definitionList, el } from '../dom';
import { kindText } from '../model/columns';
import { formatNumber, formatPercent, MISSING } from '../model/format';
import { spectrumModel } from '../model/spectrumModel';
import { structureFacts } from '../model/structureFacts';
import type { Store } from '../state/store';

function layerFacts(row: LayerRow): [string, string][] {
  const facts: [string, string][] = [
    ['Kind', row.kernel ? `${kindText(row)} ${row.kernel.join('×')}` : kindText(row)],
    ['ΔW', `${row.rows}×${row.cols}`],
    ['Rank r', String(row.rank)],
    ...structureFacts(row),
    ['α', formatNumber(row.alpha)],
    ['Scale s', `${formatNumber(row.scale)} (${row.scaleRule})`],
    ['Block', row.block ?? MISSING],
    ['Module type', `${row.moduleType} (${row.family})`],
  ];
  if (row.hasMixer) facts.push(['Mixer', 'learned r×r M (MoSLoRA)']);
  return facts;
}

function metricFacts(result: LayerAnalysis | undefined): [string, string][] {
  if (!result) return [['Analysis', 'pending']];
  if (result.status === 'skipped') return [['Analysis', `skipped: ${result.reason}`]];
  const m = result.metrics;
  return [
    ['‖ΔW‖F', formatNumber(m.frobenius)],
    ['σ1', formatNumber(m.sigma1)],
    ['Effective rank', formatNumber(m.effectiveRank)],
    ['Stable rank', formatNumber(m.stableRank)],
    ['r90 / r95 / r99', `${m.r90} / ${m.r95} / ${m.r99}`],
    ['Utilization', formatPercent(m.utilization)],
    ['σ1/σ2', formatNumber(m.dominanceRatio)],
    ['Top energy p1', formatPercent(m.topEnergy)],
  ];
}

/** The selected layer's numbers, spectrum and warnings, beside whichever tab is showing. */
export function mountDetails(parent: HTMLElement, store: Store, actions: Actions): Disposable {
  const disposables = new DisposableStore();
  const head = el('div', 'details-head');
  const title = el('h2', 'details-title');
  const close = el('button', 'close', '×');
  close.title = 'Close details (Escape)';
  close.setAttribute('aria-label', 'Close details');
  head.append(title, close);
  const facts = el('div');
  const chartBox = el('div', 'details-spectrum');
  const warnings = el('ul', 'warnings');
  parent.append(head, facts, chartBox, warnings);
  disposables.listen(close, 'click', () => actions.closeDetails());
  let chart: SpectrumChart | null = null;
  disposables.add({ dispose: () => chart?.dispose() });

  const render = () => {
    const index = store.view.selected;
    const row = index === null ? undefined : store.layer(index);
    const open = store.view.detailsOpen && row !== undefined;
    parent.hidden = !open;
    if (!open || !row) return;
    const result = store.results.get(row.index);
    title.textContent = row.name;
    title.title = row.name;
    facts.replaceChildren(definitionList(layerFacts(row)), definitionList(metricFacts(result)));
    const sigma = result?.status === 'ok' ? result.singularValues : null;
    chartBox.hidden = !sigma;
    if (sigma) {
      const model = spectrumModel([{ index: row.index, name: row.name, singularValues: sigma }], 300, 260);
      if (chart) chart.update(model);
      else chart = renderSpectrumChart(chartBox, model);
    }
    const all = [...row.warnings, ...(result?.status === 'ok' ? result.warnings : [])];
    // Appended one by one: a spread of every warning could exceed the arguments a call takes.
    warnings.replaceChildren();
    for (const w of all) warnings.append(el('li', undefined, w));
    warnings.hidden = all.length === 0;
  };
  render();
  disposables.add(store.subscribe((c) => (c.has('view') || c.has('results') || c.has('overview')) && render()));
  return disposables;
}
