import * as vscode from 'vscode';
import { openAdapter } from '../../core/adapter/load';
import type { Adapter } from '../../core/adapter/model';
import type { AdapterAnalysis, ModuleResult } from '../../core/analysis/analyze';
import type { TensorSource } from '../../core/container/source';
import type { HostNotifications } from '../../protocol/messages';
import type { AdapterOverview, LayerAnalysis } from '../../protocol/payloads';
import { stampOf, type AnalysisService } from '../analysis/analysisService';
import { Batcher } from '../analysis/batcher';
import type { FileStamp } from '../analysis/resultCache';
import { Disposable } from '../disposable';
import { computeInfoOf, layerAnalysisOf, overviewOf } from '../payloads';
import { readSettings } from '../settings';
import { withAnalysisProgress } from './analysisProgress';
import { layerChunks } from './layerChunks';

/** Sends one host notification to one open view. */
export type Sink = <M extends keyof HostNotifications>(method: M, params: HostNotifications[M]) => void;

/** How often streamed results go to the views: fast enough to look live, slow enough to batch. */
const BATCH_MS = 50;

/**
 * One opened weights file: its header-level overview (known at once), and its analysis as it
 * streams in. Every view on the document is a sink that first gets what is known so far and
 * then every notification as it happens. Disposing the document (its last editor closed)
 * cancels the analysis and closes the file.
 */
export class AdapterDocument extends Disposable implements vscode.CustomDocument {
  readonly overview: AdapterOverview;
  private readonly sinks = new Set<Sink>();
  private readonly layers: LayerAnalysis[] = [];
  private readonly results: ModuleResult[] = [];
  private finished: HostNotifications['done'] | null = null;
  private failure: HostNotifications['failed'] | null = null;
  private held: HostNotifications['held'] | null = null;
  private progress: HostNotifications['progress'] | null = null;
  private job: vscode.CancellationTokenSource | null = null;
  private analysed: AdapterAnalysis | null = null;

  static async open(uri: vscode.Uri, service: AnalysisService): Promise<AdapterDocument> {
    if (uri.scheme !== 'file') throw new Error(`${uri.toString()} is not a local file; LoRA Lens reads adapters from disk`);
    const stamp = await stampOf(uri.fsPath);
    const opened = await openAdapter(uri.fsPath);
    return new AdapterDocument(uri, stamp, opened.adapter, opened.file, service);
  }

  private constructor(
    readonly uri: vscode.Uri,
    readonly stamp: FileStamp,
    readonly adapter: Adapter,
    file: TensorSource,
    private readonly service: AnalysisService,
  ) {
    super();
    this.overview = overviewOf(adapter, stamp.size);
    if (this.tooLargeToStart() && adapter.analysable) this.held = { reason: tooLargeNote(stamp.size) };
    this._register({ dispose: () => void file.close() });
    this._register({ dispose: () => this.job?.cancel() });
  }

  /** True while the analysis runs. */
  get running(): boolean {
    return this.job !== null;
  }

  /** The finished analysis, for reports and stats; null until it is done. */
  get analysis(): AdapterAnalysis | null {
    return this.analysed;
  }

  /** Module results so far, by module index (holes are modules not yet analysed). */
  get moduleResults(): readonly ModuleResult[] {
    return this.results;
  }

  /** A view joins: it gets everything known so far, then live notifications. */
  attach(sink: Sink): vscode.Disposable {
    sink('overview', this.overview);
    if (this.layers.length > 0) for (const results of layerChunks(this.layers.filter(Boolean))) sink('layers', { results });
    if (this.progress && this.running) sink('progress', this.progress);
    if (this.finished) sink('done', this.finished);
    if (this.failure) sink('failed', this.failure);
    if (this.held) sink('held', this.held);
    this.sinks.add(sink);
    return new vscode.Disposable(() => this.sinks.delete(sink));
  }

  /** Whether the analysis waits for the user because the file is large (`loraLens.analysis.maxAutoBytes`). */
  tooLargeToStart(): boolean {
    // A cached analysis costs nothing to show, however large the file.
    return this.stamp.size > readSettings().maxAutoBytes && !this.service.cache.has(this.stamp);
  }

  /**
   * Analyses the file, from the cache when it is unchanged since an earlier analysis. Returns
   * when the analysis ends (done, failed or cancelled); a second call while running waits for nothing.
   */
  async analyze(): Promise<void> {
    if (this.running || this.isDisposed || !this.adapter.analysable || this.adapter.modules.length === 0) return;
    const cached = this.service.cache.get(this.stamp);
    if (cached) {
      this.held = null;
      this.show(cached.analysis, true);
      return;
    }
    if (this.failure || this.held) {
      // A view showing a stopped or held analysis goes back to running when it gets the overview again.
      this.failure = null;
      this.held = null;
      this.broadcast('overview', this.overview);
    }
    this.finished = null;
    const job = (this.job = new vscode.CancellationTokenSource());
    const total = this.adapter.modules.length;
    const batcher = new Batcher<LayerAnalysis>((results) => this.publishBatch(results), BATCH_MS);
    try {
      const entry = await withAnalysisProgress(this.overview.file, job, (report) =>
        this.service.analyze(this.adapter, this.stamp, {
          compute: readSettings().compute,
          token: job.token,
          onModule: (result, index) => {
            this.results[index] = result;
            batcher.push(layerAnalysisOf(result, index));
            this.progress = { done: this.results.filter(Boolean).length, total, module: result.name };
            report(this.progress);
          },
        }),
      );
      batcher.flush();
      this.show(entry.analysis, false);
    } catch (error) {
      batcher.flush();
      const cancelled = job.token.isCancellationRequested;
      const message = cancelled ? 'The analysis was cancelled.' : error instanceof Error ? error.message : String(error);
      const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
      this.failure = { message, cancelled, ...(typeof code === 'string' ? { code } : {}) };
      this.broadcast('failed', this.failure);
      if (!cancelled) throw error;
    } finally {
      batcher.dispose();
      job.dispose();
      if (this.job === job) this.job = null;
    }
  }

  /** Cancels the running analysis; true when there was one. */
  cancel(): boolean {
    if (!this.job) return false;
    this.job.cancel();
    return true;
  }

  /** Shows a finished analysis (live or cached) in every view. */
  private show(analysis: AdapterAnalysis, cached: boolean): void {
    this.analysed = analysis;
    if (cached) {
      const all = analysis.modules.map((r, i) => layerAnalysisOf(r, i));
      analysis.modules.forEach((r, i) => (this.results[i] = r));
      this.publishBatch(all);
    }
    this.finished = {
      seconds: analysis.seconds,
      compute: computeInfoOf(analysis.device ?? { backend: analysis.backend }),
      cached,
    };
    this.broadcast('done', this.finished);
  }

  private publishBatch(results: LayerAnalysis[]): void {
    for (const r of results) this.layers[r.index] = r;
    for (const chunk of layerChunks(results)) this.broadcast('layers', { results: chunk });
    if (this.progress && this.running) this.broadcast('progress', this.progress);
  }

  private broadcast<M extends keyof HostNotifications>(method: M, params: HostNotifications[M]): void {
    for (const sink of this.sinks) sink(method, params);
  }
}

export function tooLargeNote(bytes: number): string {
  const mb = (bytes / (1024 * 1024)).toFixed(1);
  return `This file (${mb} MB) is larger than the setting loraLens.analysis.maxAutoBytes, so it was not analysed automatically: press Analyze or run "LoRA Lens: Analyze Adapter" to start.`;
}
