import { parentPort } from 'node:worker_threads';
import { OrtUnavailableError } from '../../src/core/compute/ort/runtime';
import { serializeError } from '../../src/core/errors';

/**
 * An ORT worker on a machine where onnxruntime-node cannot load: it answers every request as the
 * real worker does when its OrtBackend fails to construct (loadOrt's OrtUnavailableError).
 */
parentPort?.on('message', (message: { id: number }) => {
  const error = new OrtUnavailableError('onnxruntime-node could not be loaded (no binary for this platform); the pure TypeScript backend still works');
  parentPort?.postMessage({ type: 'error', id: message.id, error: serializeError(error) });
});
