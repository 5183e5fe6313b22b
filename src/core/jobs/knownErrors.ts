import { AdapterError } from '../adapter/errors';
import { BaseModelError } from '../base/errors';
import { CancelledError } from '../cancellation';
import { DeviceUnavailableError, OrtUnavailableError } from '../compute/ort/runtime';
import { WorkerJobError } from '../errors';
import { AtomicWriteError } from '../io/atomicWrite';
import { FeatureError, PredictorError } from '../predict/errors';
import { ZooDirError } from '../predict/zoo/makeZoo';
import { ResizeError } from '../resize/errors';
import { PickleError } from '../pickle/errors';
import { SafetensorsError } from '../safetensors/errors';
import { SubspaceError } from '../subspace/errors';

/**
 * Every coded error a job can throw. Importing this module loads (and so registers) each class,
 * so the client rebuilds whichever of them a worker sends as its own class.
 */
export const JOB_ERRORS = [
  AdapterError,
  AtomicWriteError,
  BaseModelError,
  CancelledError,
  DeviceUnavailableError,
  OrtUnavailableError,
  FeatureError,
  PickleError,
  PredictorError,
  ZooDirError,
  ResizeError,
  SafetensorsError,
  SubspaceError,
  WorkerJobError,
] as const;
