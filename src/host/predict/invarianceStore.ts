import type { InvarianceReport } from '../../core/predict/predictor/invariance';
import { INVARIANCE_TOLERANCE } from '../../core/predict/predictor/invariance';
import type { InvarianceState } from '../../protocol/predictPayloads';
import type { FileStamp } from '../analysis/resultCache';

/**
 * Invariance checks by predictor and adapter file, for this session: the palette command and
 * the card's button both write here, every card reads here. Keyed by the file's stamp, so a
 * rewritten adapter shows "not checked" again.
 */
export class InvarianceStore {
  private readonly states = new Map<string, InvarianceState>();
  private readonly listeners = new Set<() => void>();

  get(predictor: string, adapter: FileStamp): InvarianceState {
    return this.states.get(keyOf(predictor, adapter)) ?? { kind: 'unchecked' };
  }

  set(predictor: string, adapter: FileStamp, state: InvarianceState): void {
    this.states.set(keyOf(predictor, adapter), state);
    for (const l of [...this.listeners]) l();
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  onDidChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The badge state of a finished check. */
export function checkedState(report: InvarianceReport): InvarianceState {
  return { kind: 'checked', trials: report.trials, maxRelativeChange: report.maxRelativeChange, tolerance: INVARIANCE_TOLERANCE, invariant: report.invariant };
}

function keyOf(predictor: string, adapter: FileStamp): string {
  return JSON.stringify([predictor, adapter.path, adapter.size, adapter.mtimeMs]);
}
