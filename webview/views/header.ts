import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';
import type { VscodeProgressBar } from '@vscode-elements/elements/dist/vscode-progress-bar/vscode-progress-bar.js';
import type { Actions } from '../actions';
import { DisposableStore, type Disposable } from '../disposable';
import { component, el } from '../dom';
import { formatNumber } from '../model/format';
import type { Store } from '../state/store';

/** The analysis status line: what is open, how far the analysis got, and a way to stop it. */
export function statusText(store: Store): string {
  const total = store.overview?.layers.length ?? 0;
  const status = store.status;
  if (store.overview && total === 0) return 'No adapted modules to analyse';
  switch (status.kind) {
    case 'waiting':
      return store.overview ? (store.overview.analysable ? '' : 'Not analysed') : 'Waiting for the adapter…';
    case 'running': {
      const p = store.progress;
      return p ? `Analysing ${p.done} of ${p.total}: ${p.module}` : `Analysing ${total} modules…`;
    }
    case 'done': {
      const { compute, seconds, cached } = status.done;
      const where = compute.provider ? `${compute.backend}, ${compute.provider}` : compute.backend;
      return `Analysed ${store.results.size} of ${total} modules in ${formatNumber(seconds)} s (${where})${cached ? ', from cache' : ''}`;
    }
    case 'held':
      return `Not analysed yet: ${status.reason}`;
    case 'failed':
      return status.cancelled ? `Analysis cancelled after ${store.results.size} of ${total} modules` : `Analysis failed: ${status.message}`;
  }
}

export function mountHeader(parent: HTMLElement, store: Store, actions: Actions): Disposable {
  const disposables = new DisposableStore();
  const title = el('div', 'title');
  const file = el('span', 'file');
  const format = el('span', 'format');
  title.append(file, format);
  const status = el('div', 'status');
  status.setAttribute('role', 'status');
  const text = el('span', 'status-text');
  const notice = el('span', 'notice');
  const cancel = component<VscodeButton>('vscode-button', 'cancel', 'Cancel');
  cancel.secondary = true;
  const start = component<VscodeButton>('vscode-button', 'start', 'Analyze');
  const progress = component<VscodeProgressBar>('vscode-progress-bar', 'progress');
  progress.max = 1;
  status.append(text, start, cancel, notice);
  parent.append(title, status, progress);
  disposables.listen(cancel, 'click', () => void actions.cancelAnalysis());
  disposables.listen(start, 'click', () => void actions.startAnalysis());

  const render = () => {
    const overview = store.overview;
    file.textContent = overview ? (overview.file.split(/[\\/]/).pop() ?? overview.file) : 'LoRA Lens';
    file.title = overview?.file ?? '';
    format.textContent = overview ? overview.formatDetail || overview.format : '';
    text.textContent = statusText(store);
    const running = store.status.kind === 'running';
    cancel.hidden = !running;
    start.hidden = store.status.kind !== 'held';
    progress.hidden = !running;
    const p = store.progress;
    progress.value = p && p.total > 0 ? p.done / p.total : 0;
    notice.textContent = store.notice ?? '';
  };
  render();
  disposables.add(store.subscribe((changes) => (changes.has('overview') || changes.has('status') || changes.has('progress') || changes.has('results')) && render()));
  return disposables;
}
