import type { AdapterOverview, AnalysisDone, AnalysisProgress, LayerAnalysis, LayerRow } from '../../src/protocol/payloads';
import type { IdentityCardPayload } from '../../src/protocol/checkPayloads';
import type { PredictionsPayload } from '../../src/protocol/predictPayloads';
import type { Disposable } from '../disposable';
import { INITIAL_VIEW_STATE, type ViewState } from '../model/viewState';
import { ChangeBatcher } from './changeBatcher';

export type Change = 'overview' | 'results' | 'progress' | 'status' | 'view' | 'predictions' | 'identity';

export type AnalysisStatus =
  | { readonly kind: 'waiting' }
  | { readonly kind: 'running' }
  /** The host holds the analysis until the user starts it (a large file). */
  | { readonly kind: 'held'; readonly reason: string }
  | { readonly kind: 'done'; readonly done: AnalysisDone }
  | { readonly kind: 'failed'; readonly message: string; readonly cancelled: boolean };

export type Listener = (changes: ReadonlySet<Change>) => void;

const NOTICE_MS = 8000;

/**
 * The webview's one source of truth. Changes are collected and delivered once per microtask,
 * so a `layers` batch followed by `progress` in the same task re-renders each view once.
 */
export class Store {
  overview: AdapterOverview | null = null;
  readonly results = new Map<number, LayerAnalysis>();
  progress: AnalysisProgress | null = null;
  status: AnalysisStatus = { kind: 'waiting' };
  /** The predictors' cards for this adapter; null until the host has sent them. */
  predictions: PredictionsPayload | null = null;
  /** The Identity card; null until the host has sent it (never, for a file without an adapter). */
  identity: IdentityCardPayload | null = null;
  /** A short message after a user action (exported, copied), or null. */
  notice: string | null = null;
  private layerByIndex = new Map<number, LayerRow>();
  private readonly changes = new ChangeBatcher<Change>();
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    public view: ViewState = INITIAL_VIEW_STATE,
    private readonly persist: (view: ViewState) => void = () => {},
  ) {}

  subscribe(listener: Listener): Disposable {
    return this.changes.subscribe(listener);
  }

  layer(index: number): LayerRow | undefined {
    return this.layerByIndex.get(index);
  }

  setOverview(overview: AdapterOverview): void {
    this.overview = overview;
    this.layerByIndex = new Map(overview.layers.map((l) => [l.index, l]));
    this.results.clear();
    this.progress = null;
    this.status = overview.analysable && overview.layers.length > 0 ? { kind: 'running' } : { kind: 'waiting' };
    if (this.view.selected !== null && !this.layerByIndex.has(this.view.selected)) this.view = { ...this.view, selected: null };
    this.emit('overview', 'results', 'progress', 'status');
  }

  addResults(results: readonly LayerAnalysis[]): void {
    for (const result of results) if (this.layerByIndex.has(result.index)) this.results.set(result.index, result);
    this.emit('results');
  }

  setProgress(progress: AnalysisProgress): void {
    this.progress = progress;
    if (this.status.kind === 'waiting') this.status = { kind: 'running' };
    this.emit('progress', 'status');
  }

  setStatus(status: AnalysisStatus): void {
    this.status = status;
    this.emit('status');
  }

  setPredictions(predictions: PredictionsPayload): void {
    this.predictions = predictions;
    this.emit('predictions');
  }

  setIdentity(identity: IdentityCardPayload): void {
    this.identity = identity;
    this.emit('identity');
  }

  /** Shows a notice for a few seconds: it answers one action and should not outlive it. */
  setNotice(notice: string | null): void {
    this.notice = notice;
    clearTimeout(this.noticeTimer);
    if (notice !== null) this.noticeTimer = setTimeout(() => this.setNotice(null), NOTICE_MS);
    this.emit('status');
  }

  updateView(patch: Partial<ViewState>): void {
    this.view = { ...this.view, ...patch };
    this.persist(this.view);
    this.emit('view');
  }

  private emit(...changes: Change[]): void {
    this.changes.emit(...changes);
  }
}
