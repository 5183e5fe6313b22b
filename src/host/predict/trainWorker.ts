import { parentPort } from 'node:worker_threads';
import type { ModuleResult } from '../../core/analysis/analyze';
import { trainPredictor } from '../../core/predict/predictor/trainPredictor';
import { deserializeError, serializeError } from '../../core/errors';
// Loads every coded class a job may throw, so deserializeError rebuilds each as its own class.
import '../../core/jobs/knownErrors';
import type { HostToTrainer, TrainerToHost, TrainJob } from './trainProtocol';

/**
 * The training worker thread. Cross-validation and fitting are synchronous numerics that hold a
 * thread for seconds (logistic regression on a 48-adapter zoo: ~4 s), so they run here and not
 * on the extension host's event loop. Analyses are asked of the host, whose analysis worker and
 * queue the editors share. One job per worker; the host starts a fresh worker for each.
 */
const port = parentPort;
if (!port) throw new Error('trainWorker runs as a worker thread');

const waiting = new Map<number, { resolve(modules: readonly ModuleResult[]): void; reject(error: Error): void }>();
const token = { isCancellationRequested: false };
let nextId = 1;
const post = (message: TrainerToHost) => port.postMessage(message);

port.on('message', (message: HostToTrainer) => {
  switch (message.type) {
    case 'train':
      void run(message.job);
      break;
    case 'analyzed':
      waiting.get(message.id)?.resolve(message.modules);
      waiting.delete(message.id);
      break;
    case 'analyzeFailed':
      waiting.get(message.id)?.reject(deserializeError(message.error));
      waiting.delete(message.id);
      break;
    case 'cancel':
      token.isCancellationRequested = true;
      break;
  }
});

async function run(job: TrainJob): Promise<void> {
  try {
    const summary = await trainPredictor({
      ...job,
      token,
      analyze: (path) =>
        new Promise<readonly ModuleResult[]>((resolve, reject) => {
          const id = nextId++;
          waiting.set(id, { resolve, reject });
          post({ type: 'analyze', id, path });
        }),
      onSkip: (adapter, reason) => post({ type: 'skipped', adapter, reason }),
    });
    post({ type: 'done', summary });
  } catch (error) {
    post({ type: 'failed', error: serializeError(error) });
  }
}
