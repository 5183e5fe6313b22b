import type { DenseMatrixPayload, MixerPayload } from '../../src/protocol/payloads';
import type { Actions } from '../actions';
import { renderHeatmap, type Heatmap } from '../charts/heatmap';
import { DisposableStore, type Disposable } from '../disposable';
import { definitionList, el } from '../dom';
import { formatNumber } from '../model/format';
import { heatmapModel } from '../model/heatmapModel';
import { mixerLayer, mixerPlaceholder } from '../model/mixerLayer';
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
  if ('singularValues' in matrix) {
    const sigma = Array.from(matrix.singularValues);
    const init = matrix.init;
    facts.push(
      ['σ(M) (basis-dependent)', sigma.map((s) => formatNumber(s)).join(', ')],
      ['cond(M) (basis-dependent)', conditionText(sigma)],
      ['Init', init.rule],
      ['E‖M₀‖F² ± sd at init', `${formatNumber(init.initFrobeniusSquaredMean)} ± ${formatNumber(init.initFrobeniusSquaredSd)}`],
      ['‖M‖F² vs init (z)', formatNumber(init.frobeniusZ)],
      ['max |Mᵢⱼ| / init bound', formatNumber(init.maxAbsOverBound)],
      ['Entries outside init bound', `${formatNumber(init.outsideBound * 100)} %`],
    );
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
      body.replaceChildren(el('p', 'placeholder', mixerPlaceholder(store.status.kind, store.overview?.layers ?? [], store.results)));
      return;
    }
    title.textContent = store.layer(index)?.name ?? String(index);
    body.replaceChildren();
    if (result.core) panel(body, 'Core K', result.core, 'ΔW = (Q_B U) Σ (Q_A V)ᵀ with K = U Σ Vᵀ: the mixer in orthonormal bases.', heatmaps);
    if (result.mixer) {
      const note =
        'MoSLoRA’s r×r mixer between A and B, as stored. M is not identifiable: (B·R, R⁻¹·M·S, S⁻¹·A) gives the same ΔW, so M, σ(M) and cond(M) depend on an arbitrary basis. It is compared with its random initialization, not with I; ΔW’s spectrum (and K’s) is what is invariant.';
      panel(body, 'Learned mixer M', result.mixer, note, heatmaps);
    } else body.append(el('p', 'placeholder', 'This layer has no learned mixer (plain LoRA: M = I).'));
  };
  disposables.add(renderWhileVisible(store, 'mixer', render, (c) => c.has('overview') || c.has('results') || c.has('view') || c.has('status')));
  return disposables;
}
