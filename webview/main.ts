import { checkedIdentityCard } from '../src/protocol/checkPayloads';
import { Endpoint } from '../src/protocol/endpoint';
import type { HostNotifications, HostRequests, WebviewNotifications, WebviewRequests } from '../src/protocol/messages';
import { Actions } from './actions';
import { mountApp } from './app';
import { parseViewState } from './model/viewState';
import { Store } from './state/store';

/**
 * Entry point of the webview bundle. Handlers are installed before `ready` is sent: the host
 * buffers everything until then, so nothing it sends can arrive before a handler exists.
 */
function start(): void {
  // Marks for the time to the first table (read by the end-to-end suite): script, ready, overview,
  // first rows, shown (painted), first results, done.
  performance.mark('lora-lens:script');
  const vscode = acquireVsCodeApi();
  const store = new Store(parseViewState(vscode.getState()), (view) => vscode.setState(view));
  // Assigned once, after the endpoint it needs; the reveal handler reads it later.
  // eslint-disable-next-line prefer-const
  let actions: Actions | undefined;
  const endpoint = new Endpoint<WebviewNotifications, HostNotifications, WebviewRequests, HostRequests>((message) => vscode.postMessage(message), {
    notifications: {
      overview: (overview) => {
        performance.mark('lora-lens:overview');
        store.setOverview(overview);
      },
      layers: ({ results }) => {
        if (performance.getEntriesByName('lora-lens:first-results').length === 0) performance.mark('lora-lens:first-results');
        store.addResults(results);
      },
      progress: (progress) => store.setProgress(progress),
      done: (done) => {
        performance.mark('lora-lens:done');
        store.setStatus({ kind: 'done', done });
      },
      failed: (failure) => store.setStatus({ kind: 'failed', message: failure.message, cancelled: failure.cancelled }),
      held: ({ reason }) => store.setStatus({ kind: 'held', reason }),
      reveal: ({ index }) => actions?.reveal(index),
      predictions: (predictions) => store.setPredictions(predictions),
      identity: (raw) => {
        const identity = checkedIdentityCard(raw);
        if (identity) store.setIdentity(identity);
      },
    },
    requests: {},
  });
  actions = new Actions(store, endpoint);
  const root = document.getElementById('app');
  if (!root) throw new Error('the webview page has no #app element');
  mountApp(root, store, actions);
  window.addEventListener('message', (event: MessageEvent<unknown>) => endpoint.receive(event.data));
  // The host holds the analysis until the table is on screen: after the overview has been
  // rendered (the store's subscribers run in its microtask), a frame and a task later the paint is done.
  store.subscribe((changes) => {
    if (!changes.has('overview')) return;
    requestAnimationFrame(() =>
      setTimeout(() => {
        performance.mark('lora-lens:shown');
        endpoint.notify('shown', {});
      }, 0),
    );
  });
  endpoint.notify('ready', {});
  performance.mark('lora-lens:ready');
}

start();
