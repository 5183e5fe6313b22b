import { Endpoint } from '../../src/protocol/endpoint';
import type { SubspaceEndpoint } from './gridRequest';
import type { SubspaceHostNotifications, SubspaceHostRequests, SubspaceWebviewNotifications, SubspaceWebviewRequests } from '../../src/protocol/subspaceMessages';
import { mountSubspaceApp } from './subspaceApp';
import { SubspaceStore } from './subspaceStore';

/**
 * Entry point of the subspace panel's bundle (dist/subspace.js). As in the editor's bundle,
 * handlers are installed before `ready`, and the host holds its messages until then.
 */
function start(): void {
  const vscode = acquireVsCodeApi();
  const store = new SubspaceStore();
  const endpoint: SubspaceEndpoint = new Endpoint<SubspaceWebviewNotifications, SubspaceHostNotifications, SubspaceWebviewRequests, SubspaceHostRequests>(
    (message) => vscode.postMessage(message),
    {
      notifications: {
        started: ({ title }) => store.started(title),
        progress: (progress) => store.setProgress(progress),
        comparison: (payload) => store.setResult({ kind: 'comparison', payload }),
        convergence: (payload) => store.setResult({ kind: 'convergence', payload }),
        crossLayer: (payload) => store.setResult({ kind: 'crossLayer', payload }),
        crossLayerGroups: ({ groups }) => store.appendCrossLayerGroups(groups),
        base: (payload) => store.setResult({ kind: 'base', payload }),
        failed: ({ message, cancelled }) => store.setFailed(message, cancelled),
      },
      requests: {},
    },
  );
  const root = document.getElementById('app');
  if (!root) throw new Error('the webview page has no #app element');
  mountSubspaceApp(root, store, endpoint);
  window.addEventListener('message', (event: MessageEvent<unknown>) => endpoint.receive(event.data));
  endpoint.notify('ready', {});
}

start();
