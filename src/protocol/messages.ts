import type { AdapterOverview, AnalysisDone, AnalysisProgress, ErrorPayload, ExportFormat, LayerAnalysis } from './payloads';
import type { RankMethodPayload, RankPlanPayload } from './resizePayloads';
import type { PredictionsPayload } from './predictPayloads';
import type { IdentityCardPayload } from './checkPayloads';

/**
 * The host <-> webview protocol, declared once. Each map goes from a string-literal method name
 * to its payload; `Endpoint` types its handler tables from these maps, so a method without a
 * handler fails to compile on the side that must handle it.
 */

/** Notifications the host sends to the webview. */
export interface HostNotifications {
  /** The header and layer table, sent first and at once. */
  overview: AdapterOverview;
  /** A batch of module results, in arrival order. */
  layers: { readonly results: readonly LayerAnalysis[] };
  progress: AnalysisProgress;
  done: AnalysisDone;
  /** The analysis failed or was cancelled: the table stays, the numbers already shown stay. */
  failed: ErrorPayload & { readonly cancelled: boolean };
  /** The analysis waits for the user (a file above `loraLens.analysis.maxAutoBytes`); `startAnalysis` starts it. */
  held: { readonly reason: string };
  /** Select and show a layer (Reveal Layer…, a hover's link). */
  reveal: { readonly index: number };
  /** The predictors' cards for this adapter: sent whenever a prediction, a check or the predictor list changes. */
  predictions: PredictionsPayload;
  /**
   * The Overview's Identity card: what the file is at once (`check.kind` 'checking'), again when
   * the check has run. The webview checks its shape (checkedIdentityCard) before showing it.
   */
  identity: IdentityCardPayload;
}

/** Notifications the webview sends to the host. */
export interface WebviewNotifications {
  /** The webview has loaded and its handlers are installed; the host may send. */
  ready: Record<string, never>;
  /** The overview's table has been laid out and painted: the host starts the heavy work (analysis, onnxruntime) only now. */
  shown: Record<string, never>;
  /** The user selected a layer (keeps Copy Layer Stats and Reveal in step). */
  selected: { readonly index: number | null };
}

/** Requests the webview makes, with what they return. */
export interface WebviewRequests {
  exportReport: { params: { readonly format: ExportFormat }; result: { readonly file: string | null } };
  copyLayerStats: { params: { readonly indices: readonly number[] }; result: { readonly copied: number } };
  cancelAnalysis: { params: Record<string, never>; result: { readonly cancelled: boolean } };
  /** Starts an analysis that is held (or shows the cached one); resolves when it has started. */
  startAnalysis: { params: Record<string, never>; result: { readonly started: boolean } };
  /** Runs one of the extension's commands that the webview offers as a button. */
  runCommand: { params: { readonly command: WebviewCommand }; result: Record<string, never> };
  /** The recommended rank of every analysed layer by `method`, computed by the host from the spectra. */
  recommendRanks: { params: { readonly method: RankMethodPayload }; result: RankPlanPayload };
  /** Runs Resize Adapter… on this view's file with `method` as the default; `file` is what was written, null when stopped. */
  resizeAdapter: { params: { readonly method: RankMethodPayload }; result: { readonly file: string | null } };
  /** Runs the invariance check of one predictor (by folder) on this adapter; the card's badge follows through `predictions`. */
  checkInvariance: { params: { readonly predictor: string }; result: { readonly invariant: boolean; readonly maxRelativeChange: number } };
  /** Saves what the view exported (a chart, the table) where the user picks in a save dialog; `file` is null when dismissed. */
  saveExport: { params: SaveExportParams; result: { readonly file: string | null } };
}

/** What a view may save: the file kind decides the dialog's filter; binary data travels as base64. */
export type SaveExportKind = 'svg' | 'png' | 'csv';

export interface SaveExportParams {
  /** The file name the dialog proposes (no folders). */
  readonly name: string;
  readonly kind: SaveExportKind;
  readonly data: string;
  readonly encoding: 'utf8' | 'base64';
}

/** The commands the webview may ask the host to run, and nothing else. */
export type WebviewCommand = 'loraLens.loadPredictor' | 'loraLens.trainPredictor' | 'loraLens.showComputeInfo' | 'loraLens.exportReport';

/** Requests the host makes of the webview. None yet; the map keeps both sides symmetric. */
export type HostRequests = Record<never, never>;
