import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';
import type { LayerAnalysis, LayerRow } from '../../src/protocol/payloads';
import type { RankPlanPayload } from '../../src/protocol/resizePayloads';
import { renderRankChart, type ChartHandle, type RankChartContext } from '../charts/rankChart';
import { renderRankOverview, type RankOverview } from '../charts/rankOverview';
import { DisposableStore, type Disposable } from '../disposable';
import { component, el } from '../dom';
import { formatNumber } from '../model/format';
import { fitSlot, rankChartModel, type RankChartModel } from '../model/rankChartModel';
import {
  blockKey,
  groupRows,
  isOverviewMetric,
  metricInfo,
  metricValues,
  OVERVIEW_METRICS,
  MAX_OVERVIEW_CELLS,
  overviewGrid,
  overviewSize,
  overviewLayout,
  valueDomain,
  type OverviewGroup,
  type OverviewMetric,
} from '../model/rankOverviewModel';
import { formatError, type RecommendOverlay } from '../model/recommendOverlay';
import { onThemeChange } from '../theme';

export interface RankOverviewInput {
  readonly layers: readonly LayerRow[];
  readonly results: ReadonlyMap<number, LayerAnalysis>;
  readonly plan: RankPlanPayload | null;
  readonly selected: number | null;
  readonly width: number;
  readonly layer: (index: number) => LayerRow | undefined;
  readonly onSelect: (index: number) => void;
  readonly overlayFor: (model: RankChartModel) => RecommendOverlay | null;
}

export interface RankOverviewView extends Disposable {
  readonly element: HTMLElement;
  render(input: RankOverviewInput): void;
}

/** Each metric on the theme chart colour its bars use (`.slot-N`), error on red. */
const METRIC_SLOT: Record<OverviewMetric, number> = { effective: 1, r95: 2, utilization: 0, frobenius: 0, kept: 3, error: 4 };
const GROUP_GAP = 6;

/**
 * The ranks view of a large adapter: a layer × module-type map of one metric that fits the
 * view, and below it the rank bars of one group (a module type through depth, or one layer's
 * modules), fitted to the width too, so no axis scrolls away.
 */
export function mountRankOverview(): RankOverviewView {
  const disposables = new DisposableStore();
  const element = el('div', 'rank-overview-view');
  const toolbar = el('div', 'toolbar');
  const metricLabel = el('span', 'label', 'Colour by');
  const metricSelect = component<VscodeSingleSelect>('vscode-single-select', 'overview-metric');
  metricSelect.setAttribute('aria-label', 'Metric the overview is coloured by');
  for (const m of OVERVIEW_METRICS) {
    const option = component<HTMLElement & { value: string }>('vscode-option', undefined, m.label);
    option.value = m.key;
    metricSelect.append(option);
  }
  const hint = el('span', 'hint', 'Click a module to select it and chart its layer; click a layer or module type label to chart that group.');
  toolbar.append(metricLabel, metricSelect, hint);
  const map = el('div', 'overview-map');
  const heading = el('h3', 'group-heading');
  const chartHost = el('div', 'chart-scroll group-chart');
  element.append(toolbar, map, heading, chartHost);

  let metric: OverviewMetric = 'effective';
  let group: OverviewGroup | null = null;
  let lastSelected: number | null = null;
  let last: RankOverviewInput | null = null;
  let overview: RankOverview | null = null;
  let chart: ChartHandle<RankChartModel, RankChartContext> | null = null;
  disposables.add({ dispose: () => overview?.dispose() });
  disposables.add({ dispose: () => chart?.dispose() });
  disposables.add(onThemeChange(() => overview?.repaint()));
  const rerender = () => last && render(last);
  disposables.listen(metricSelect, 'change', () => {
    if (isOverviewMetric(metricSelect.value) && metricSelect.value !== metric) {
      metric = metricSelect.value;
      rerender();
    }
  });

  const render = (input: RankOverviewInput) => {
    last = input;
    const { layers } = input;
    if (metricSelect.value !== metric) metricSelect.value = metric;
    group = currentGroup(layers, group, input.selected, lastSelected);
    lastSelected = input.selected;
    const size = overviewSize(layers);
    if (size.cells > MAX_OVERVIEW_CELLS) {
      // Block and type names from the file can make every module its own row and column; such
      // a map has nothing to show and no memory to hold it, so only the group bars below stay.
      overview?.dispose();
      overview = null;
      const note = el(
        'p',
        'overview-too-large',
        `${size.rows} module types × ${size.columns} layers is too many cells for a map; showing the rank bars of one group below (click a module in the table to chart its layer).`,
      );
      map.replaceChildren(note);
    } else renderMap(input);
    renderGroup(input);
  };

  const renderMap = (input: RankOverviewInput) => {
    const { layers } = input;
    const grid = overviewGrid(layers);
    const layout = overviewLayout(grid, input.width);
    const values = metricValues(layers, input.results, input.plan, metric);
    const info = metricInfo(metric);
    const context = {
      grid,
      layout,
      values,
      domain: valueDomain(values),
      metricLabel: info.label,
      emptyText: info.fromPlan ? 'no recommendation (pick a method above)' : 'not analysed yet',
      format: metric === 'error' ? formatError : formatNumber,
      nameOf: (i: number) => input.layer(i)?.name ?? String(i),
      slot: METRIC_SLOT[metric],
      selected: input.selected,
      group,
      onCell: (index: number) => {
        const row = input.layer(index);
        if (row) group = { kind: 'block', key: blockKey(row) };
        input.onSelect(index);
        rerender();
      },
      onGroup: (next: OverviewGroup) => {
        group = next;
        rerender();
      },
    };
    if (overview) overview.update(context);
    else {
      map.replaceChildren();
      overview = renderRankOverview(map, context);
    }
  };

  const renderGroup = (input: RankOverviewInput) => {
    const { layers } = input;
    const rows = group ? groupRows(layers, group) : [];
    heading.textContent = group ? groupHeading(group, rows.length) : '';
    const types = new Set(rows.map((r) => r.moduleType)).size;
    const model = rankChartModel(rows, input.results, {
      grouping: 'moduleType',
      slot: fitSlot(rows.length, types, GROUP_GAP, input.width),
      groupGap: GROUP_GAP,
      height: 260,
      minWidth: input.width,
    });
    const chartContext = { layer: input.layer, selected: input.selected, onSelect: input.onSelect, overlay: input.overlayFor(model) };
    if (chart) chart.update(model, chartContext);
    else chart = renderRankChart(chartHost, model, chartContext);
  };
  return { element, render, dispose: () => disposables.dispose() };
}

/**
 * The group to chart: the one chosen, unless the selection moved (from the table, the
 * details) to a module outside it, which brings its layer; at first the first module type.
 */
function currentGroup(layers: readonly LayerRow[], group: OverviewGroup | null, selected: number | null, lastSelected: number | null): OverviewGroup | null {
  const selectedRow = selected === null ? undefined : layers.find((r) => r.index === selected);
  if (selectedRow && selected !== lastSelected) {
    const inGroup = group && (group.kind === 'block' ? blockKey(selectedRow) === group.key : selectedRow.moduleType === group.key);
    if (!inGroup) return { kind: 'block', key: blockKey(selectedRow) };
  }
  if (group && groupRows(layers, group).length > 0) return group;
  return layers.length > 0 ? { kind: 'moduleType', key: overviewSize(layers).firstType ?? layers[0].moduleType } : null;
}

function groupHeading(group: OverviewGroup, count: number): string {
  const modules = `${count} module${count === 1 ? '' : 's'}`;
  return group.kind === 'block' ? `Layer ${group.key}: ${modules}` : `${group.key} through depth: ${modules}`;
}
