import { LensError, registerLensError } from '../errors';

/** Why a base model cannot be used as given. */
export type BaseModelErrorCode =
  /** The path names no file or folder. */
  | 'NO_SUCH_BASE'
  /** A folder with neither one .safetensors file nor a `model.safetensors.index.json`. */
  | 'NO_WEIGHTS'
  /** `model.safetensors.index.json` is not JSON or has no usable `weight_map`. */
  | 'BAD_INDEX'
  /** A shard the index names is not on disk. */
  | 'MISSING_SHARD'
  /** Not one adapter module found a base weight of a fitting shape. */
  | 'NO_MODULE_MATCHED';

/** A typed failure of the base-model input (the CLI exits 2 on it). */
export class BaseModelError extends LensError {
  override readonly name = 'BaseModelError';
  readonly inputError = true;

  constructor(
    readonly code: BaseModelErrorCode,
    message: string,
    /** The file or folder the error is about. */
    readonly path: string,
  ) {
    super(message);
  }
}
registerLensError('BaseModelError', BaseModelError);
