import * as vscode from 'vscode';
import { Endpoint } from '../../protocol/endpoint';
import type { HostNotifications, HostRequests, WebviewCommand, WebviewNotifications, WebviewRequests } from '../../protocol/messages';
import type { ExportFormat } from '../../protocol/payloads';
import { Disposable } from '../disposable';
import type { AdapterDocument } from './adapterDocument';

/** What a view's buttons do; the same actions the palette commands run. */
export interface SessionActions {
  exportReport(document: AdapterDocument, format: ExportFormat): Promise<string | null>;
  copyLayerStats(document: AdapterDocument, indices: readonly number[]): Promise<number>;
  /** Starts the document's analysis (held for a large file); resolves when it ends. */
  startAnalysis(document: AdapterDocument): Promise<void>;
}

/** Commands a view may run: the protocol's list, checked again here since messages are data. */
const ALLOWED: ReadonlySet<WebviewCommand> = new Set(['loraLens.configurePredictor', 'loraLens.showComputeInfo', 'loraLens.exportReport']);

/**
 * One editor panel on a document: the protocol endpoint, opened when the webview says `ready`
 * (messages sent before are held), and the handlers for what the webview asks. The panel's
 * selection is kept here for Copy Layer Stats and Reveal Layer.
 */
export class EditorSession extends Disposable {
  private readonly endpoint: Endpoint<HostNotifications, WebviewNotifications, HostRequests, WebviewRequests>;
  private selection: number | null = null;

  constructor(
    readonly document: AdapterDocument,
    readonly panel: vscode.WebviewPanel,
    actions: SessionActions,
  ) {
    super();
    this.endpoint = new Endpoint<HostNotifications, WebviewNotifications, HostRequests, WebviewRequests>(
      (message) => void panel.webview.postMessage(message),
      {
        notifications: {
          ready: () => this.open(),
          selected: ({ index }) => (this.selection = typeof index === 'number' ? index : null),
        },
        requests: {
          exportReport: async ({ format }) => ({ file: await actions.exportReport(document, format) }),
          copyLayerStats: async ({ indices }) => ({ copied: await actions.copyLayerStats(document, indices) }),
          cancelAnalysis: () => ({ cancelled: document.cancel() }),
          startAnalysis: () => {
            const started = !document.running;
            void actions.startAnalysis(document);
            return { started };
          },
          runCommand: async ({ command }) => {
            if (!ALLOWED.has(command)) throw new Error(`the view may not run ${String(command)}`);
            await vscode.commands.executeCommand(command);
            return {};
          },
        },
      },
      { buffered: true },
    );
    this._register({ dispose: () => this.endpoint.dispose() });
    this._register(panel.webview.onDidReceiveMessage((message: unknown) => this.endpoint.receive(message)));
    this._register(document.attach((method, params) => this.endpoint.notify(method, params)));
  }

  /** The layer selected in this view, if any. */
  get selected(): number | null {
    return this.selection;
  }

  /** Selects and shows a layer in the view. */
  reveal(index: number): void {
    this.selection = index;
    this.endpoint.notify('reveal', { index });
  }

  /**
   * A reloaded webview (hidden and shown again: its context is not retained) says `ready`
   * again; it gets the whole state once more from the document.
   */
  private open(): void {
    if (this.endpoint.isOpen) {
      this.document.attach((method, params) => this.endpoint.notify(method, params)).dispose();
      return;
    }
    this.endpoint.open();
  }
}
