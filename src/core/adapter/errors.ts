import { LensError, registerLensError } from '../errors';

/** Why a path could not be opened as an adapter, apart from safetensors format errors. */
export type AdapterErrorCode =
  /** Nothing at the path. */
  | 'NOT_FOUND'
  /** A folder with no adapter weights in it. */
  | 'NO_ADAPTER_FILE'
  /** Weights that exist only in a format this tool does not read (a PyTorch pickle). */
  | 'UNSUPPORTED_WEIGHTS'
  | 'IO_ERROR';

/** A typed failure to locate or open an adapter; carries a code and the path. */
export class AdapterError extends LensError {
  override readonly name = 'AdapterError';
  readonly inputError = true;

  constructor(
    readonly code: AdapterErrorCode,
    message: string,
    readonly file: string,
  ) {
    super(message);
  }
}
registerLensError('AdapterError', AdapterError);
