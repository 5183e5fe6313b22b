import { randomInt } from 'node:crypto';
import * as vscode from 'vscode';
import type { CancellationToken } from '../../core/cancellation';
import type { InvarianceReport } from '../../core/predict/predictor/invariance';
import type { Analyze } from '../../core/predict/predictor/predictAdapter';
import type { AnalysisService } from '../analysis/analysisService';
import { Disposable } from '../disposable';
import type { AdapterDocument } from '../editor/adapterDocument';
import { isCancellation, log } from '../log';
import { readSettings } from '../settings';
import { DocumentPredictions, type PredictionsSink } from './documentPredictions';
import { checkedState, InvarianceStore } from './invarianceStore';
import { PredictorCatalog } from './predictorCatalog';

/**
 * Random reparametrizations per invariance check (the CLI's default): each is a full analysis of
 * a copy of the adapter, and an invariant predictor stays at rounding level in every one, so
 * more trials cost time without telling more.
 */
export const INVARIANCE_TRIALS = 8;

/**
 * Predictions in the editor: the predictor catalog, the invariance checks of this session, and
 * the predictions of each open adapter (kept while a view shows it).
 */
export class PredictionService extends Disposable {
  readonly catalog: PredictorCatalog;
  readonly invariance = new InvarianceStore();
  private readonly open = new Map<AdapterDocument, { readonly predictions: DocumentPredictions; users: number }>();

  constructor(private readonly service: AnalysisService) {
    super();
    this.catalog = this._register(new PredictorCatalog());
    this._register({ dispose: () => [...this.open.values()].forEach((o) => o.predictions.dispose()) });
  }

  /** A view of `document` follows its predictions until the returned disposable is disposed. */
  attach(document: AdapterDocument, sink: PredictionsSink): vscode.Disposable {
    let entry = this.open.get(document);
    if (!entry) {
      entry = { predictions: new DocumentPredictions(document, this.catalog, this.invariance, this.analyzeFor(document)), users: 0 };
      this.open.set(document, entry);
    }
    entry.users++;
    const attached = entry.predictions.attach(sink);
    const owner = entry;
    return new vscode.Disposable(() => {
      attached.dispose();
      if (--owner.users > 0) return;
      owner.predictions.dispose();
      if (this.open.get(document) === owner) this.open.delete(document);
    });
  }

  /**
   * Feeds INVARIANCE_TRIALS random GL(r) reparametrizations of the adapter to the predictor and
   * records the largest relative change of its outputs for the card's badge.
   */
  async checkInvariance(document: AdapterDocument, dir: string, token?: CancellationToken): Promise<InvarianceReport> {
    const stamp = document.stamp;
    this.invariance.set(dir, stamp, { kind: 'checking' });
    const seed = randomInt(0, 2 ** 31);
    try {
      const predictor = await this.catalog.session(dir);
      const report = await predictor.checkInvariance(document.uri.fsPath, this.analyzeFor(document), INVARIANCE_TRIALS, seed, token);
      this.invariance.set(dir, stamp, checkedState(report));
      log().info(
        `invariance of ${predictor.manifest.name} on ${document.overview.file}: largest relative change ${report.maxRelativeChange.toExponential(2)} over ${report.trials} reparametrizations (seed ${seed})`,
      );
      return report;
    } catch (error) {
      const cancelled = isCancellation(error) || token?.isCancellationRequested === true;
      this.invariance.set(dir, stamp, cancelled ? { kind: 'unchecked' } : { kind: 'failed', message: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  }

  /**
   * Module results for a predictor: the document's own finished analysis for its file (no second
   * analysis), the worker for any other file (an invariance check's reparametrized copies).
   */
  private analyzeFor(document: AdapterDocument): Analyze {
    return async (path, token) => {
      const analysis = document.analysis;
      if (path === document.uri.fsPath && analysis) return analysis.modules;
      return this.service.analyzeFile(path, readSettings().compute, token);
    };
  }
}
