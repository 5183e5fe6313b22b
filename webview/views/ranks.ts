import type { Actions } from '../actions';
import { renderRankChart, type ChartHandle, type RankChartContext } from '../charts/rankChart';
import { DisposableStore, type Disposable } from '../disposable';
import { el } from '../dom';
import { groupLayers, type Grouping } from '../model/layerOrder';
import { learnedAllocationText } from '../model/learnedAllocation';
import { defaultParam, methodOf } from '../model/rankMethod';
import { fitSlot, RANK_SERIES, rankChartModel, SERIES_LABEL, type RankChartModel } from '../model/rankChartModel';
import { OVERVIEW_MIN_MODULES } from '../model/rankOverviewModel';
import { recommendOverlay } from '../model/recommendOverlay';
import { PlanRequest, type PlanState } from '../state/planRequest';
import type { Store } from '../state/store';
import { renderWhileVisible } from './lazyRender';
import { mountRankOverview } from './rankOverview';
import { recommendControls } from './recommendControls';

const GROUP_GAP = 6;
/** Below this slot a layer's three bars are under 3 px: the view opens on the overview instead. */
const MIN_SLOT = 12;

/**
 * Configured rank vs effective rank vs r95 per layer, grouped by block or module type, with the
 * host's recommended rank and its predicted error drawn over them.
 */
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
  const controls = recommendControls(disposables, {
    onKind: (kind) => store.updateView({ recommend: { kind, param: defaultParam(kind, store.overview?.layers ?? []) } }),
    onParam: (param) => store.updateView({ recommend: { ...store.view.recommend, param } }),
    onResize: () => {
      const method = methodOf(store.view.recommend);
      if (method) void actions.resizeAdapter(method);
    },
  });
  const caption = el('p', 'rec-caption');
  caption.setAttribute('aria-live', 'polite');
  const learned = el('p', 'hint learned-allocation');
  const scroller = el('div', 'chart-scroll');
  const empty = el('p', 'placeholder', 'No adapted modules.');
  const overview = disposables.add(mountRankOverview());
  parent.append(toolbar, controls.element, caption, learned, overview.element, scroller, empty);
  disposables.listen(grouping, 'change', () => store.updateView({ grouping: grouping.value as Grouping }));
  const plans = disposables.add(
    new PlanRequest(
      (method, signal) => actions.recommendRanks(method, signal),
      () => store.view.tab === 'ranks' && render(),
    ),
  );

  let chart: ChartHandle<RankChartModel, RankChartContext> | null = null;
  disposables.add({ dispose: () => chart?.dispose() });
  const render = () => {
    const layers = store.overview?.layers ?? [];
    grouping.value = store.view.grouping;
    empty.hidden = layers.length > 0;
    // Everything fits the view's width: the rank axis must never scroll out of sight.
    const width = Math.max(320, toolbar.clientWidth - 4);
    const groupCount = groupLayers(layers, store.view.grouping).length;
    const slot = fitSlot(layers.length, groupCount, GROUP_GAP, width);
    const large = layers.length >= OVERVIEW_MIN_MODULES || slot < MIN_SLOT;
    groupingLabel.hidden = large;
    overview.element.hidden = !large || layers.length === 0;
    scroller.hidden = large;
    const model = rankChartModel(large ? [] : layers, store.results, {
      grouping: store.view.grouping,
      slot,
      groupGap: GROUP_GAP,
      height: 300,
      minWidth: width,
    });
    const method = methodOf(store.view.recommend);
    controls.show(store.view.recommend);
    const analysed = [...store.results.values()].filter((r) => r.status === 'ok').length;
    plans.want(analysed > 0 ? method : null, `${store.overview?.file ?? ''}:${store.results.size}`);
    const plan = plans.current;
    const overlay = plan.kind === 'ready' ? recommendOverlay(model, plan.plan) : null;
    controls.element.hidden = layers.length === 0;
    caption.hidden = method === null || layers.length === 0;
    caption.classList.toggle('error', plan.kind === 'failed');
    caption.textContent = captionText(plan, overlay?.caption ?? '');
    const allocation = learnedAllocationText(layers, store.results);
    learned.hidden = allocation === null;
    learned.textContent = allocation ?? '';
    const context = {
      layer: (i: number) => store.layer(i),
      selected: store.view.selected,
      onSelect: (i: number) => actions.select(i, { open: true }),
      overlay,
    };
    if (large) {
      overview.render({
        layers,
        results: store.results,
        plan: plan.kind === 'ready' ? plan.plan : null,
        selected: store.view.selected,
        width,
        layer: context.layer,
        onSelect: context.onSelect,
        overlayFor: (m) => (plan.kind === 'ready' ? recommendOverlay(m, plan.plan) : null),
      });
    }
    if (chart) chart.update(model, context);
    else chart = renderRankChart(scroller, model, context);
    renderedWidth = width;
  };
  // The view fits its width, so a wider or narrower panel (the details pane opening) lays out again.
  let renderedWidth = 0;
  const resize = new ResizeObserver(() => {
    if (store.view.tab === 'ranks' && Math.abs(toolbar.clientWidth - 4 - renderedWidth) >= 1 && toolbar.clientWidth > 0) render();
  });
  resize.observe(toolbar);
  disposables.add({ dispose: () => resize.disconnect() });
  disposables.add(renderWhileVisible(store, 'ranks', render, (c) => c.has('overview') || c.has('results') || c.has('view')));
  return disposables;
}

function captionText(plan: PlanState, ready: string): string {
  switch (plan.kind) {
    case 'ready':
      return ready;
    case 'failed':
      return `No recommendation: ${plan.message}`;
    case 'waiting':
      return 'Computing the recommendation…';
    case 'none':
      return 'The recommendation appears once layers are analysed.';
  }
}
