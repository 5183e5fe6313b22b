import type { Actions } from '../actions';
import { renderRankChart, type ChartHandle, type RankChartContext } from '../charts/rankChart';
import { DisposableStore, type Disposable } from '../disposable';
import { el } from '../dom';
import type { Grouping } from '../model/layerOrder';
import { RANK_SERIES, rankChartModel, SERIES_LABEL, type RankChartModel } from '../model/rankChartModel';
import type { Store } from '../state/store';
import { renderWhileVisible } from './lazyRender';

/** Configured rank vs effective rank vs r95 per layer, grouped by block or module type. */
export function mountRanks(parent: HTMLElement, store: Store, actions: Actions): Disposable {
  const disposables = new DisposableStore();
  const toolbar = el('div', 'toolbar');
  const groupingLabel = el('label', undefined, 'Group by ');
  const grouping = el('select', 'grouping');
  for (const [value, text] of [
    ['block', 'block'],
    ['moduleType', 'module type'],
  ]) {
    const option = el('option', undefined, text);
    option.value = value;
    grouping.append(option);
  }
  groupingLabel.append(grouping);
  const legend = el('span', 'legend');
  for (const series of RANK_SERIES) {
    const item = el('span', `key series-${series}`);
    item.append(el('span', 'swatch'), document.createTextNode(SERIES_LABEL[series]));
    legend.append(item);
  }
  toolbar.append(groupingLabel, legend);
  const scroller = el('div', 'chart-scroll');
  const empty = el('p', 'placeholder', 'No adapted modules.');
  parent.append(toolbar, scroller, empty);
  disposables.listen(grouping, 'change', () => store.updateView({ grouping: grouping.value as Grouping }));

  let chart: ChartHandle<RankChartModel, RankChartContext> | null = null;
  disposables.add({ dispose: () => chart?.dispose() });
  const render = () => {
    const layers = store.overview?.layers ?? [];
    grouping.value = store.view.grouping;
    empty.hidden = layers.length > 0;
    const model = rankChartModel(layers, store.results, {
      grouping: store.view.grouping,
      slot: layers.length > 200 ? 8 : 16,
      groupGap: 6,
      height: 300,
      minWidth: Math.max(400, scroller.clientWidth - 4),
    });
    const context = { layer: (i: number) => store.layer(i), selected: store.view.selected, onSelect: (i: number) => actions.select(i, { open: true }) };
    if (chart) chart.update(model, context);
    else chart = renderRankChart(scroller, model, context);
  };
  disposables.add(renderWhileVisible(store, 'ranks', render, (c) => c.has('overview') || c.has('results') || c.has('view')));
  return disposables;
}
