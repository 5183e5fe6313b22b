import type { ModuleResult } from '../../core/analysis/analyze';
import type { SerializedError } from '../../core/errors';
import type { TrainOptions, TrainSummary } from '../../core/predict/predictor/trainPredictor';

/** What the training worker needs: the options that are data (the callbacks are messages). */
export type TrainJob = Omit<TrainOptions, 'analyze' | 'onSkip' | 'token'>;

export type HostToTrainer =
  | { readonly type: 'train'; readonly job: TrainJob }
  | { readonly type: 'analyzed'; readonly id: number; readonly modules: readonly ModuleResult[] }
  | { readonly type: 'analyzeFailed'; readonly id: number; readonly error: SerializedError }
  | { readonly type: 'cancel' };

export type TrainerToHost =
  /** The worker asks the host to analyse one adapter (the host's queued analysis worker runs it). */
  | { readonly type: 'analyze'; readonly id: number; readonly path: string }
  | { readonly type: 'skipped'; readonly adapter: string; readonly reason: string }
  | { readonly type: 'done'; readonly summary: TrainSummary }
  | { readonly type: 'failed'; readonly error: SerializedError };
