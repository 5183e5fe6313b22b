import { parentPort, workerData } from 'node:worker_threads';
import type { TallFactor } from '../backend';
import { OrtBackend } from '../ort/ortBackend';
import { serializeError } from '../../errors';
import type { FromOrtWorker, OrtWorkerData, ToOrtWorker } from './protocol';

/**
 * The thread that owns onnxruntime. ORT's run() blocks the thread that calls it, so device
 * products live here and the analysis thread keeps reading and decoding the next batch
 * meanwhile (two cores: decoding and products overlap). Requests are served in order.
 */
const port = parentPort;
if (!port) throw new Error('the ORT worker must run in a worker thread');
const options = workerData as OrtWorkerData;
let backend: OrtBackend | null = null;
let queue = Promise.resolve();

port.on('message', (message: ToOrtWorker) => {
  queue = queue.then(() => handle(message));
});

async function handle(message: ToOrtWorker): Promise<void> {
  try {
    backend ??= new OrtBackend(options.device, options.threads);
    if (message.type === 'info') {
      await backend.warmUp();
      post({ type: 'info', id: message.id, device: backend.report() });
      return;
    }
    if (message.type === 'overlaps') {
      const buffers = buffersOf(message.pairs.flatMap((p) => [p.first, p.second]));
      const overlaps = await backend.pairOverlaps(message.pairs);
      post({ type: 'overlaps', id: message.id, overlaps, device: backend.report(), buffers }, buffers);
      return;
    }
    if (message.type === 'groups') {
      const buffers = buffersOf(message.groups.flat());
      const overlaps = await backend.groupOverlaps(message.groups);
      post({ type: 'groups', id: message.id, overlaps, device: backend.report(), buffers }, buffers);
      return;
    }
    if (message.type === 'products') {
      const buffers = buffersOf(message.products.map((p) => p.factor));
      const products = await backend.tallProducts(message.products);
      const results = products.map((p) => p.values.buffer).filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
      post({ type: 'products', id: message.id, products, device: backend.report(), buffers }, [...new Set([...buffers, ...results])]);
      return;
    }
    const buffers = buffersOf(message.factors);
    const R = await backend.triangularFactors(message.factors);
    post({ type: 'factors', id: message.id, R, device: backend.report(), buffers }, buffers);
  } catch (error) {
    post({ type: 'error', id: message.id, error: serializeError(error) });
  }
}

/** The factors' distinct buffers, handed back with the answer for reuse. */
function buffersOf(factors: readonly TallFactor[]): ArrayBuffer[] {
  return [...new Set(factors.map((f) => f.values.buffer))].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}

function post(message: FromOrtWorker, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}
