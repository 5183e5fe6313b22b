import * as vscode from 'vscode';
import type { Analyze } from '../../core/predict/predictor/predictAdapter';
import type { PredictionsPayload } from '../../protocol/predictPayloads';
import { Disposable } from '../disposable';
import type { AdapterDocument } from '../editor/adapterDocument';
import { isCancellation, log } from '../log';
import { cardOf, type ProviderInfo, type RunState } from './cards';
import type { InvarianceStore } from './invarianceStore';
import type { PredictorCatalog } from './predictorCatalog';

export type PredictionsSink = (payload: PredictionsPayload) => void;

/**
 * The predictions for one open adapter. They run when its analysis is done (they need the
 * module results, which `analyze` hands over from the document), again when the predictor list
 * changes, and are dropped when the document is analysed anew. Predictors run one after the
 * other and each card is published as it finishes; one that does not fit the adapter, or fails,
 * shows its reason and no number.
 */
export class DocumentPredictions extends Disposable {
  private analysed = false;
  private readonly runs = new Map<string, { readonly run: RunState; readonly provider: ProviderInfo | null }>();
  private readonly sinks = new Set<PredictionsSink>();
  private job: vscode.CancellationTokenSource | null = null;

  constructor(
    private readonly document: AdapterDocument,
    private readonly catalog: PredictorCatalog,
    private readonly invariance: InvarianceStore,
    private readonly analyze: Analyze,
  ) {
    super();
    this._register({ dispose: () => this.job?.cancel() });
    this._register(
      document.attach((method) => {
        if (method === 'overview') this.reset();
        else if (method === 'done') void this.run();
      }),
    );
    this._register(catalog.onDidChange(() => (this.analysed ? void this.run() : this.publish())));
    this._register({ dispose: invariance.onDidChange(() => this.publish()) });
    // Nothing to analyse: every predictor still gets its say (the layout check tells why there is no number).
    if (!document.adapter.analysable || document.adapter.modules.length === 0) void this.run();
  }

  /** A view joins: it gets the current cards at once, then every change. */
  attach(sink: PredictionsSink): vscode.Disposable {
    sink(this.payload());
    this.sinks.add(sink);
    return new vscode.Disposable(() => this.sinks.delete(sink));
  }

  payload(): PredictionsPayload {
    const status = !this.analysed ? 'waiting' : this.job ? 'running' : 'done';
    const cards = this.catalog.usable.map((entry) => {
      const r = this.runs.get(entry.dir);
      return cardOf(entry, r?.provider ?? null, r?.run ?? { kind: 'pending' }, this.invariance.get(entry.dir, this.document.stamp));
    });
    return { status, cards, broken: this.catalog.broken, notes: this.catalog.notes };
  }

  private reset(): void {
    this.job?.cancel();
    this.job = null;
    this.analysed = false;
    this.runs.clear();
    this.publish();
  }

  private async run(): Promise<void> {
    this.job?.cancel();
    const job = (this.job = new vscode.CancellationTokenSource());
    this.analysed = true;
    this.runs.clear();
    const entries = this.catalog.usable;
    this.publish();
    try {
      for (const entry of entries) {
        let run: RunState;
        let provider: ProviderInfo | null = null;
        try {
          const predictor = await this.catalog.session(entry.dir);
          provider = predictor.provider;
          run = { kind: 'done', prediction: await predictor.predict(this.document.uri.fsPath, this.analyze, job.token) };
        } catch (error) {
          if (job.token.isCancellationRequested && isCancellation(error)) return;
          run = { kind: 'error', error };
          const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
          log().info(
            `predictor ${entry.manifest.name} on ${this.document.overview.file}: no prediction: ${error instanceof Error ? error.message : String(error)}${typeof code === 'string' ? ` [${code}]` : ''}`,
          );
        }
        if (job.token.isCancellationRequested) return;
        this.runs.set(entry.dir, { run, provider });
        this.publish();
      }
    } finally {
      job.dispose();
      if (this.job === job) {
        this.job = null;
        this.publish();
      }
    }
  }

  private publish(): void {
    if (this.sinks.size === 0) return;
    const payload = this.payload();
    for (const sink of this.sinks) sink(payload);
  }
}
