import * as vscode from 'vscode';
import { Endpoint } from '../../protocol/endpoint';
import type { HostNotifications, HostRequests, WebviewCommand, WebviewNotifications, WebviewRequests } from '../../protocol/messages';
import type { ExportFormat } from '../../protocol/payloads';
import type { IdentityCardPayload } from '../../protocol/checkPayloads';
import type { PredictionsPayload } from '../../protocol/predictPayloads';
import { Disposable } from '../disposable';
import { saveExport } from '../exportFile';
import { checkedMethod, rankPlanPayload } from '../resize/planPayload';
import type { AdapterDocument } from './adapterDocument';

/** What a view's buttons do; the same actions the palette commands run. */
export interface SessionActions {
  exportReport(document: AdapterDocument, format: ExportFormat): Promise<string | null>;
  copyLayerStats(document: AdapterDocument, indices: readonly number[]): Promise<number>;
  /** Starts the document's analysis (held for a large file); resolves when it ends. */
  startAnalysis(document: AdapterDocument): Promise<void>;
  /** The document's prediction cards: the current ones at once, then every change, until disposed. */
  attachPredictions(document: AdapterDocument, sink: (payload: PredictionsPayload) => void): vscode.Disposable;
  /** Runs one predictor's invariance check on the document (the card's badge follows). */
  checkInvariance(document: AdapterDocument, predictor: string): Promise<{ readonly invariant: boolean; readonly maxRelativeChange: number }>;
  /** The document's Identity card: what the file is at once, then again whenever its check changes, until disposed. */
  attachIdentity(document: AdapterDocument, sink: (payload: IdentityCardPayload) => void): vscode.Disposable;
}

/** Commands a view may run: the protocol's list, checked again here since messages are data. */
const ALLOWED: ReadonlySet<WebviewCommand> = new Set(['loraLens.loadPredictor', 'loraLens.trainPredictor', 'loraLens.showComputeInfo', 'loraLens.exportReport']);

/**
 * One editor panel on a document: the protocol endpoint, opened when the webview says `ready`
 * (messages sent before are held), and the handlers for what the webview asks. The panel's
 * selection is kept here for Copy Layer Stats and Reveal Layer.
 */
export class EditorSession extends Disposable {
  private readonly endpoint: Endpoint<HostNotifications, WebviewNotifications, HostRequests, WebviewRequests>;
  private selection: number | null = null;
  private onShown: () => void = () => {};
  private readonly replayPredictions: () => void;
  private readonly replayIdentity: () => void;

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
          shown: () => this.onShown(),
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
          recommendRanks: ({ method }) => rankPlanPayload(document.overview.layers, document.moduleResults, checkedMethod(method)),
          resizeAdapter: async ({ method }) => ({
            file: (await vscode.commands.executeCommand<string | null | undefined>('loraLens.resizeAdapter', document.uri, checkedMethod(method))) ?? null,
          }),
          runCommand: async ({ command }) => {
            if (!ALLOWED.has(command)) throw new Error(`the view may not run ${String(command)}`);
            await vscode.commands.executeCommand(command);
            return {};
          },
          saveExport: async (params) => ({ file: await saveExport(document.uri, params) }),
          checkInvariance: async ({ predictor }) => {
            if (typeof predictor !== 'string') throw new Error('checkInvariance needs a predictor folder');
            return actions.checkInvariance(document, predictor);
          },
        },
      },
      { buffered: true },
    );
    this._register({ dispose: () => this.endpoint.dispose() });
    this._register(panel.webview.onDidReceiveMessage((message: unknown) => this.endpoint.receive(message)));
    this._register(document.attach((method, params) => this.endpoint.notify(method, params)));
    this._register(actions.attachPredictions(document, (payload) => this.endpoint.notify('predictions', payload)));
    this.replayPredictions = () => actions.attachPredictions(document, (payload) => this.endpoint.notify('predictions', payload)).dispose();
    this._register(actions.attachIdentity(document, (payload) => this.endpoint.notify('identity', payload)));
    this.replayIdentity = () => actions.attachIdentity(document, (payload) => this.endpoint.notify('identity', payload)).dispose();
  }

  /**
   * Runs `run` once, when the view says its table is painted or after `fallbackMs` (a view that
   * never loads, e.g. an editor opened in the background), whichever comes first; never after dispose.
   */
  afterShown(run: () => void, fallbackMs: number): void {
    let ran = false;
    const once = () => {
      if (ran || this.isDisposed) return;
      ran = true;
      clearTimeout(timer);
      run();
    };
    const timer = setTimeout(once, fallbackMs);
    this._register({ dispose: () => clearTimeout(timer) });
    this.onShown = once;
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
      this.replayPredictions();
      this.replayIdentity();
      return;
    }
    this.endpoint.open();
  }
}
