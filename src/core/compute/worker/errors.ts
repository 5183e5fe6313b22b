import { AdapterError, type AdapterErrorCode } from '../../adapter/errors';
import { BaseModelError, type BaseModelErrorCode } from '../../base/errors';
import { CancelledError } from '../../cancellation';
import { SafetensorsError, type SafetensorsErrorCode } from '../../safetensors/errors';
import { DeviceUnavailableError, OrtUnavailableError } from '../ort/runtime';
import type { SerializedError } from './protocol';

/** A job failed in a worker for a reason that is not the input's: the message says what happened. */
export class WorkerJobError extends Error {
  override readonly name = 'WorkerJobError';
}

/** The analysis worker stopped in the middle of a job (crash, out of memory, killed). */
export class WorkerCrashedError extends Error {
  override readonly name = 'WorkerCrashedError';
}

/** Rebuilds the typed error a worker sent, so callers can tell input errors from failures. */
export function deserializeError(e: SerializedError): Error {
  switch (e.name) {
    case 'SafetensorsError':
      return new SafetensorsError(e.code as SafetensorsErrorCode, e.message, e.file ?? '');
    case 'AdapterError':
      return new AdapterError(e.code as AdapterErrorCode, e.message, e.file ?? '');
    case 'BaseModelError':
      return new BaseModelError(e.code as BaseModelErrorCode, e.message, e.file ?? '');
    case 'CancelledError':
      return new CancelledError();
    case 'DeviceUnavailableError':
      return new DeviceUnavailableError(e.message);
    case 'OrtUnavailableError':
      return new OrtUnavailableError(e.message);
    default:
      return new WorkerJobError(e.message);
  }
}
