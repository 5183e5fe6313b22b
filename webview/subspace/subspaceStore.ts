import type { BaseModelPayload } from '../../src/protocol/basePayloads';
import type { SubspaceHostNotifications } from '../../src/protocol/subspaceMessages';
import type { ComparisonPayload, ConvergencePayload, CrossLayerGroupPayload, CrossLayerPayload, PhiGridPayload } from '../../src/protocol/subspacePayloads';
import type { Disposable } from '../disposable';
import { ChangeBatcher } from '../state/changeBatcher';

export type SubspaceChange = 'result' | 'status' | 'view' | 'grid';

export type SubspaceResultView =
  | { readonly kind: 'comparison'; readonly payload: ComparisonPayload }
  | { readonly kind: 'convergence'; readonly payload: ConvergencePayload }
  | { readonly kind: 'crossLayer'; readonly payload: CrossLayerPayload }
  | { readonly kind: 'base'; readonly payload: BaseModelPayload };

/** What the user picked: a tab, the other adapter, the module of the φ grid, a module-type filter, a cross-layer (or CondLoRA) group. */
export interface SubspaceView {
  readonly tab: string;
  readonly other: number;
  readonly module: string | null;
  readonly moduleType: string | null;
  readonly group: number;
  readonly metric: 'cosine' | 'columnCosine' | 'rowCosine';
  /** Cross-layer colour scale: 0 to 1, or up to the largest value between different layers. */
  readonly scale: 'unit' | 'offDiagonal';
}

export type SubspaceStatus =
  | { readonly kind: 'running'; readonly progress: SubspaceHostNotifications['progress'] | null }
  | { readonly kind: 'done' }
  | { readonly kind: 'failed'; readonly message: string; readonly cancelled: boolean };

/** The φ grid shown: asked for, arrived, or failed (each for the module and other it was asked for). */
export type GridState =
  | { readonly kind: 'none' }
  | { readonly kind: 'loading'; readonly module: string; readonly other: number }
  | { readonly kind: 'ready'; readonly grid: PhiGridPayload }
  | { readonly kind: 'failed'; readonly message: string };

/**
 * The subspace panel's state. Like the editor's Store, changes are delivered once per
 * microtask so a burst of notifications renders once.
 */
export class SubspaceStore {
  title = '';
  result: SubspaceResultView | null = null;
  status: SubspaceStatus = { kind: 'running', progress: null };
  grid: GridState = { kind: 'none' };
  view: SubspaceView = { tab: '', other: 0, module: null, moduleType: null, group: 0, metric: 'cosine', scale: 'unit' };
  private readonly changes = new ChangeBatcher<SubspaceChange>();

  subscribe(listener: (changes: ReadonlySet<SubspaceChange>) => void): Disposable {
    return this.changes.subscribe(listener);
  }

  started(title: string): void {
    this.title = title;
    this.result = null;
    this.status = { kind: 'running', progress: null };
    this.emit('result', 'status');
  }

  setProgress(progress: SubspaceHostNotifications['progress']): void {
    if (this.status.kind !== 'running') return;
    this.status = { kind: 'running', progress };
    this.emit('status');
  }

  setResult(result: SubspaceResultView): void {
    this.result = result;
    this.status = { kind: 'done' };
    this.emit('result', 'status');
  }

  /** Groups of a cross-layer result that came in a later message (the host batches them by buffer count). */
  appendCrossLayerGroups(groups: readonly CrossLayerGroupPayload[]): void {
    const result = this.result;
    if (result?.kind !== 'crossLayer' || groups.length === 0) return;
    this.result = { kind: 'crossLayer', payload: { ...result.payload, groups: [...result.payload.groups, ...groups] } };
    this.emit('result');
  }

  setFailed(message: string, cancelled: boolean): void {
    this.status = { kind: 'failed', message, cancelled };
    this.emit('status');
  }

  setGrid(grid: GridState): void {
    this.grid = grid;
    this.emit('grid');
  }

  updateView(patch: Partial<SubspaceView>): void {
    this.view = { ...this.view, ...patch };
    this.emit('view');
  }

  private emit(...changes: SubspaceChange[]): void {
    this.changes.emit(...changes);
  }
}
