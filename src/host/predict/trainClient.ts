import { Worker } from 'node:worker_threads';
import type { ModuleResult } from '../../core/analysis/analyze';
import { CancelledError, type CancellationToken } from '../../core/cancellation';
import type { TrainSummary } from '../../core/predict/predictor/trainPredictor';
import { deserializeError, serializeError } from '../../core/errors';
// Loads every coded class a job may throw, so deserializeError rebuilds each as its own class.
import '../../core/jobs/knownErrors';
import type { HostToTrainer, TrainerToHost, TrainJob } from './trainProtocol';

export interface TrainCallbacks {
  /** Module results of one adapter of the training set (the host's analysis worker). */
  readonly analyze: (path: string, token: CancellationToken) => Promise<readonly ModuleResult[]>;
  /** Called as each adapter is asked for: `done` analyses started so far. */
  readonly onAnalyze?: (done: number, path: string) => void;
  readonly onSkip?: (adapter: string, reason: string) => void;
  readonly token: CancellationToken & { onCancellationRequested(listener: () => void): { dispose(): void } };
}

/**
 * How long a cancelled training may take to notice before its worker is terminated: it checks
 * between adapters while featurizing, but not inside the cross-validation's fits. The training
 * runs no ORT session, so terminating it cannot abort the process.
 */
const CANCEL_GRACE_MS = 1500;

/** Runs trainPredictor in a fresh worker thread (`script`: dist/trainWorker.js); resolves with its summary. */
export function trainInWorker(script: string, job: TrainJob, callbacks: TrainCallbacks): Promise<TrainSummary> {
  if (callbacks.token.isCancellationRequested) return Promise.reject(new CancelledError());
  const worker = new Worker(script);
  let analyses = 0;
  let settled = false;
  return new Promise<TrainSummary>((resolve, reject) => {
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      cancelListener.dispose();
      clearTimeout(killTimer);
      void worker.terminate();
      outcome();
    };
    let killTimer: ReturnType<typeof setTimeout> | undefined;
    const cancelListener = callbacks.token.onCancellationRequested(() => {
      send({ type: 'cancel' });
      killTimer = setTimeout(() => finish(() => reject(new CancelledError())), CANCEL_GRACE_MS);
    });
    const send = (message: HostToTrainer) => worker.postMessage(message);
    worker.on('message', (message: TrainerToHost) => {
      switch (message.type) {
        case 'analyze':
          callbacks.onAnalyze?.(++analyses, message.path);
          callbacks.analyze(message.path, callbacks.token).then(
            (modules) => send({ type: 'analyzed', id: message.id, modules }),
            (error: unknown) => send({ type: 'analyzeFailed', id: message.id, error: serializeError(error) }),
          );
          break;
        case 'skipped':
          callbacks.onSkip?.(message.adapter, message.reason);
          break;
        case 'done':
          finish(() => resolve(message.summary));
          break;
        case 'failed':
          finish(() => reject(callbacks.token.isCancellationRequested ? new CancelledError() : deserializeError(message.error)));
          break;
      }
    });
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', (code) => finish(() => reject(new Error(`the training worker stopped (exit code ${code})`))));
    send({ type: 'train', job });
  });
}
