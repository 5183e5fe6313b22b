import * as vscode from 'vscode';
import type { AnalysisService } from '../analysis/analysisService';
import { Disposable } from '../disposable';
import { log, showError } from '../log';
import { readSettings } from '../settings';
import { webviewHtml, webviewOptions } from '../webviewHtml';
import { AdapterDocument, tooLargeNote } from './adapterDocument';
import type { EditorRegistry } from './editorRegistry';
import { EditorSession, type SessionActions } from './editorSession';

/** The editor for adapter weights: the default for adapter file names (package.json). */
export const ADAPTER_VIEW_TYPE = 'loraLens.adapter';
/** The same editor offered for any other `.safetensors` or `.gguf` ("Reopen Editor With…"). */
export const SAFETENSORS_VIEW_TYPE = 'loraLens.safetensors';
/** The same editor offered for any PyTorch checkpoint (`.bin`, `.pt`, `.pth`, `.ckpt`), which may not be an adapter. */
export const PYTORCH_VIEW_TYPE = 'loraLens.pytorch';

/** How long an editor's analysis waits for its table to be painted before it starts anyway (a view that does not load while hidden). */
const SHOWN_FALLBACK_MS = 4000;

/**
 * Opens a weights file read-only: the overview goes to the view as soon as the header is read;
 * once the view has painted its table, the analysis starts in the worker (unless the file is
 * above `maxAutoBytes`) and streams.
 */
export class AdapterEditorProvider extends Disposable implements vscode.CustomReadonlyEditorProvider<AdapterDocument> {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly service: AnalysisService,
    private readonly registry: EditorRegistry,
    private readonly actions: Omit<SessionActions, 'startAnalysis'>,
  ) {
    super();
    const options = { webviewOptions: { retainContextWhenHidden: false }, supportsMultipleEditorsPerDocument: true };
    this._register(vscode.window.registerCustomEditorProvider(ADAPTER_VIEW_TYPE, this, options));
    this._register(vscode.window.registerCustomEditorProvider(SAFETENSORS_VIEW_TYPE, this, options));
    this._register(vscode.window.registerCustomEditorProvider(PYTORCH_VIEW_TYPE, this, options));
  }

  async openCustomDocument(uri: vscode.Uri): Promise<AdapterDocument> {
    const started = Date.now();
    try {
      const document = await AdapterDocument.open(uri, this.service);
      log().info(`opened ${uri.fsPath}: ${document.overview.layers.length} modules, ${document.overview.formatDetail} (${Date.now() - started} ms)`);
      return document;
    } catch (error) {
      showError(`Cannot open ${uri.fsPath}`, error);
      throw error;
    }
  }

  resolveCustomEditor(document: AdapterDocument, panel: vscode.WebviewPanel): void {
    panel.webview.options = webviewOptions(this.extensionUri);
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, document.overview.file);
    const session = new EditorSession(document, panel, { ...this.actions, startAnalysis });
    const registration = this.registry.add(session);
    panel.onDidDispose(() => {
      registration.dispose();
      session.dispose();
    });
    // Nothing heavy runs before the table is on screen: on a first editor the webview boots,
    // the extension host has just activated, and an analysis (onnxruntime's load, threads on
    // every core) started now delayed the first row by seconds. A cached analysis waits too:
    // its results are many messages that would queue ahead of the first paint.
    session.afterShown(() => {
      if (!document.tooLargeToStart()) {
        // A failure here fails again, with its coded error, in the analysis.
        if (!this.service.cache.has(document.stamp)) this.service.warmOnnxRuntime(readSettings().compute).catch(() => undefined);
        void startAnalysis(document);
      } else if (document.adapter.analysable) void offerAnalysis(document);
    }, SHOWN_FALLBACK_MS);
  }
}

/** For a file above `maxAutoBytes`: says why nothing runs, with a button that starts it. */
async function offerAnalysis(document: AdapterDocument): Promise<void> {
  const analyze = 'Analyze';
  const choice = await vscode.window.showInformationMessage(tooLargeNote(document.stamp.size), analyze);
  if (choice === analyze) await startAnalysis(document);
}

/** Starts (or shows the cached) analysis of a document; failures become notifications. */
export async function startAnalysis(document: AdapterDocument): Promise<void> {
  try {
    await document.analyze();
    const analysis = document.analysis;
    if (analysis) log().info(`analysed ${document.overview.file} in ${analysis.seconds.toFixed(2)} s on ${analysis.device?.provider ?? analysis.backend}`);
  } catch (error) {
    showError(`Analysis of ${document.overview.file} failed`, error);
  }
}
