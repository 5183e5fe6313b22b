import type { DenseMatrixPayload, MixerPayload } from '../../src/protocol/payloads';
import type { Actions } from '../actions';
import { renderHeatmap, type Heatmap } from '../charts/heatmap';
import { DisposableStore, type Disposable } from '../disposable';
import { definitionList, el } from '../dom';
import { formatNumber } from '../model/format';
import { heatmapModel } from '../model/heatmapModel';
import { mixerLayer } from '../model/mixerLayer';
import { mixerStats } from '../model/mixerStats';
import type { Store } from '../state/store';
import { onThemeChange } from '../theme';
import { renderWhileVisible } from './lazyRender';

const SIZE = 320;

/** Appends the panel before painting: the canvas reads theme colours from computed style, which a detached node lacks. */
function panel(parent: HTMLElement, title: string, matrix: DenseMatrixPayload | MixerPayload, note: string, heatmaps: Heatmap[]): void {
  const section = el('section', 'matrix');
  section.append(el('h3', undefined, title), el('p', 'hint', note));
  parent.append(section);
  const model = heatmapModel(matrix, SIZE);
  heatmaps.push(renderHeatmap(section, model, `${title}, ${matrix.rows}×${matrix.cols}`));
  const stats = mixerStats(matrix);
  const facts: [string, string][] = [
    ['Size', `${matrix.rows}×${matrix.cols}`],
    ['max |value|', formatNumber(model.maxAbs)],
    ['‖·‖F', formatNumber(stats.frobenius)],
  ];
  if (stats.distanceFromIdentity !== null) facts.push(['‖· − I‖F / ‖I‖F', formatNumber(stats.distanceFromIdentity)]);
  if ('singularValues' in matrix) {
    const sigma = Array.from(matrix.singularValues);
    facts.push(['σ(M)', sigma.map((s) => formatNumber(s)).join(', ')], ['cond(M)', conditionText(sigma)]);
  }
  section.append(definitionList(facts));
}

/** σ1/σ_r, or ∞ when the smallest singular value is zero (M loses rank). */
function conditionText(sigma: readonly number[]): string {
  if (sigma.length === 0) return '—';
  const last = sigma[sigma.length - 1];
  return last > 0 ? formatNumber(sigma[0] / last) : '∞';
}

/**
 * The canonical core K = s·R_B·M·R_Aᵀ (whose singular values are ΔW's) of every adapter, and
 * for MoSLoRA the learned mixer M as stored, as diverging heatmaps with the value on hover.
 */
export function mountMixer(parent: HTMLElement, store: Store, _actions: Actions): Disposable {
  const disposables = new DisposableStore();
  const title = el('h2');
  const body = el('div', 'mixer-panels');
  parent.append(title, el('p', 'hint', 'Select a layer (Layers tab or a chart) to show its matrices. Blue is negative, red positive.'), body);
  let heatmaps: Heatmap[] = [];
  const clear = () => {
    for (const h of heatmaps) h.dispose();
    heatmaps = [];
  };
  disposables.add({ dispose: clear });
  disposables.add(onThemeChange(() => heatmaps.forEach((h) => h.repaint())));

  const render = () => {
    clear();
    const index = mixerLayer(store.overview?.layers ?? [], store.results, store.view.selected);
    const result = index === null ? undefined : store.results.get(index);
    if (index === null || result?.status !== 'ok') {
      title.textContent = 'Mixer';
      body.replaceChildren(el('p', 'placeholder', 'No core or mixer matrices yet: they appear as layers are analysed.'));
      return;
    }
    title.textContent = store.layer(index)?.name ?? String(index);
    body.replaceChildren();
    if (result.core) panel(body, 'Core K', result.core, 'ΔW = (Q_B U) Σ (Q_A V)ᵀ with K = U Σ Vᵀ: the mixer in orthonormal bases.', heatmaps);
    if (result.mixer) panel(body, 'Learned mixer M', result.mixer, 'MoSLoRA’s r×r mixer between A and B, as stored.', heatmaps);
    else body.append(el('p', 'placeholder', 'This layer has no learned mixer (plain LoRA: M = I).'));
  };
  disposables.add(renderWhileVisible(store, 'mixer', render, (c) => c.has('overview') || c.has('results') || c.has('view')));
  return disposables;
}
