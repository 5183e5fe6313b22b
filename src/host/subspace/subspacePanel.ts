import * as vscode from 'vscode';
import { Endpoint } from '../../protocol/endpoint';
import type { SubspaceHostNotifications, SubspaceHostRequests, SubspaceWebviewNotifications, SubspaceWebviewRequests } from '../../protocol/subspaceMessages';
import type { PhiGridPayload } from '../../protocol/subspacePayloads';
import { Disposable } from '../disposable';
import { webviewHtml, webviewOptions } from '../webviewHtml';
import { saveExport } from '../exportFile';

/** The view type of the subspace panels (comparison, convergence, cross-layer, base model). */
const SUBSPACE_VIEW_TYPE = 'loraLens.subspace';

/** What the panel answers for the webview; a panel with no comparison has no φ grids to give. */
export interface SubspacePanelHandlers {
  phiGrid?(module: string, other: number, token: vscode.CancellationToken): Promise<PhiGridPayload>;
  /** A convergence panel's Choose Reference…; panels without one ignore it. */
  chooseReference?(panel: SubspacePanel): void;
}

/**
 * One webview panel showing one subspace result. It loads dist/subspace.js (not the editor's
 * bundle): the two apps share the chart renderers but not their protocols, and a second entry
 * keeps each typed handler table complete. Messages are buffered until the page says `ready`;
 * closing the panel fires `onDidClose`, which cancels the job that feeds it.
 */
export class SubspacePanel extends Disposable {
  readonly panel: vscode.WebviewPanel;
  private readonly endpoint: Endpoint<SubspaceHostNotifications, SubspaceWebviewNotifications, SubspaceHostRequests, SubspaceWebviewRequests>;
  private readonly closed = this._register(new vscode.EventEmitter<void>());
  /** Resends the last notification of each method, in first-sent order: what a reloaded page gets again. */
  private readonly resend = new Map<string, () => void>();
  /** Fires once, when the user closes the panel. */
  readonly onDidClose = this.closed.event;

  constructor(extensionUri: vscode.Uri, title: string, handlers: SubspacePanelHandlers) {
    super();
    this.panel = vscode.window.createWebviewPanel(SUBSPACE_VIEW_TYPE, title, vscode.ViewColumn.Active, { ...webviewOptions(extensionUri), retainContextWhenHidden: true });
    this.panel.webview.html = webviewHtml(this.panel.webview, extensionUri, title, 'subspace.js');
    this.endpoint = new Endpoint<SubspaceHostNotifications, SubspaceWebviewNotifications, SubspaceHostRequests, SubspaceWebviewRequests>(
      (message) => void this.panel.webview.postMessage(message),
      {
        notifications: { ready: () => this.ready(), chooseReference: () => handlers.chooseReference?.(this) },
        requests: {
          saveExport: async (params) => ({ file: await saveExport(undefined, params) }),
          phiGrid: async ({ module, other }, signal) => {
            if (!handlers.phiGrid) throw new Error('this panel has no comparison to take φ grids from');
            const source = new vscode.CancellationTokenSource();
            const abort = () => source.cancel();
            signal.addEventListener('abort', abort, { once: true });
            const listener = this.onDidClose(abort);
            try {
              return await handlers.phiGrid(String(module), Number(other), source.token);
            } finally {
              signal.removeEventListener('abort', abort);
              listener.dispose();
              source.dispose();
            }
          },
        },
      },
      { buffered: true },
    );
    this._register({ dispose: () => this.endpoint.dispose() });
    this._register(this.panel.webview.onDidReceiveMessage((message: unknown) => this.endpoint.receive(message)));
    this._register(
      this.panel.onDidDispose(() => {
        this.closed.fire();
        this.dispose();
      }),
    );
  }

  notify<M extends keyof SubspaceHostNotifications & string>(method: M, params: SubspaceHostNotifications[M]): void {
    if (method === 'started') this.resend.clear();
    const send = () => this.endpoint.notify(method, params);
    // Batches of a result's groups add up: a reloaded page needs every one, after the result.
    this.resend.set(method === 'crossLayerGroups' ? `${method}#${this.resend.size}` : method, send);
    send();
  }

  /**
   * The page is ready: the first time, the held messages go out; a page that loads again (the
   * webview was reloaded) gets the last of each notification once more, so it shows the result.
   */
  private ready(): void {
    if (!this.endpoint.isOpen) return this.endpoint.open();
    for (const send of this.resend.values()) send();
  }
}
