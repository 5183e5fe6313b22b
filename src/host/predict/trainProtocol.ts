import type { ModuleResult } from '../../core/analysis/analyze';
import type { TrainOptions, TrainSummary } from '../../core/predict/predictor/trainPredictor';

/** What the training worker needs: the options that are data (the callbacks are messages). */
export type TrainJob = Omit<TrainOptions, 'analyze' | 'onSkip' | 'token'>;

/** An error as it crosses the thread: its class name, code and message. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

export type HostToTrainer =
  | { readonly type: 'train'; readonly job: TrainJob }
  | { readonly type: 'analyzed'; readonly id: number; readonly modules: readonly ModuleResult[] }
  | { readonly type: 'analyzeFailed'; readonly id: number; readonly error: WireError }
  | { readonly type: 'cancel' };

export type TrainerToHost =
  /** The worker asks the host to analyse one adapter (the host's queued analysis worker runs it). */
  | { readonly type: 'analyze'; readonly id: number; readonly path: string }
  | { readonly type: 'skipped'; readonly adapter: string; readonly reason: string }
  | { readonly type: 'done'; readonly summary: TrainSummary }
  | { readonly type: 'failed'; readonly error: WireError };

export function wireError(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = (error as Error & { code?: unknown }).code;
  return typeof code === 'string' ? { name: error.name, message: error.message, code } : { name: error.name, message: error.message };
}

/** The error a WireError stands for: its message and code kept, so callers can tell input errors (a code) from failures. */
export function errorOf(wire: WireError): Error {
  const error = new Error(wire.message) as Error & { code?: string };
  error.name = wire.name;
  if (wire.code !== undefined) error.code = wire.code;
  return error;
}
