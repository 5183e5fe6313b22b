import type { SaveExportParams } from './messages';
import type { BaseModelPayload } from './basePayloads';
import type { ErrorPayload } from './payloads';
import type { ComparisonPayload, ConvergencePayload, CrossLayerGroupPayload, CrossLayerPayload, PhiGridPayload } from './subspacePayloads';

/**
 * The protocol of the subspace panel (Compare Adapters, Checkpoint Convergence, Cross-Layer
 * Maps, Attach Base Model): a webview panel of its own, with its own bundle (dist/subspace.js), so neither side
 * of the adapter editor's protocol grows methods it never handles.
 */

/** What a subspace panel shows; one kind per panel. */
export type SubspaceResultKind = 'comparison' | 'convergence' | 'crossLayer' | 'base';

/** Notifications the host sends to the subspace panel. */
export interface SubspaceHostNotifications {
  /** The job started: what the panel shows while it runs. */
  started: { readonly title: string; readonly kind: SubspaceResultKind };
  progress: { readonly done: number; readonly total: number; readonly module: string };
  comparison: ComparisonPayload;
  convergence: ConvergencePayload;
  crossLayer: CrossLayerPayload;
  /** More groups of the cross-layer result just sent, to append in order: one message carries at most 128 typed arrays. */
  crossLayerGroups: { readonly groups: readonly CrossLayerGroupPayload[] };
  /** The open adapter against a base model (Attach Base Model…). */
  base: BaseModelPayload;
  /** The job failed or was cancelled. */
  failed: ErrorPayload & { readonly cancelled: boolean };
}

/** Notifications the subspace panel sends to the host. */
export interface SubspaceWebviewNotifications {
  /** Handlers are installed; the host may send (it buffers until then). */
  ready: Record<string, never>;
  /** Choose Reference… in a convergence panel: the host asks for a reference file and measures the run against it. */
  chooseReference: Record<string, never>;
}

/** Requests the subspace panel makes. */
export interface SubspaceWebviewRequests {
  /** φ(i, j) grids of one module of the reference against `others[other]`, computed on demand in the worker. */
  phiGrid: { params: { readonly module: string; readonly other: number }; result: PhiGridPayload };
  /** Saves an exported chart where the user picks in a save dialog; `file` is null when dismissed. */
  saveExport: { params: SaveExportParams; result: { readonly file: string | null } };
}

/** Requests the host makes of the subspace panel: none. */
export type SubspaceHostRequests = Record<never, never>;
