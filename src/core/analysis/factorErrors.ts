import { SvdConvergenceError } from '../linalg/svd';

/** A module that cannot be analysed for a reason found in its data (NaN, Inf, a bad slice). */
export class ModuleDataError extends Error {
  override readonly name: string = 'ModuleDataError';
}

/**
 * A factor with more elements than may be read whole, met by a reader that has no streamed path
 * (comparisons, resize, mixers, Tucker and LoHa/LoKr factors). A ModuleDataError, so the module
 * is skipped with this reason and the others go on; the message names the tensor and the limit.
 */
export class FactorTooLargeError extends ModuleDataError {
  override readonly name = 'FactorTooLargeError';
  readonly code = 'TENSOR_TOO_LARGE';
  readonly inputError = true;

  constructor(
    readonly tensor: string,
    readonly elements: number,
    readonly limit: number,
    why = 'and this analysis reads factors whole',
  ) {
    super(`${tensor} has ${elements} elements, past the ${limit} a factor may have to be read whole, ${why} (TENSOR_TOO_LARGE)`);
  }
}

/**
 * A failure of one module's numbers, not of the program: broken data (ModuleDataError), NaN or
 * Inf met in its factors or core (RangeError), or an SVD that did not converge on them. Such a
 * module is skipped with the reason and the rest of the adapter is still analysed.
 */
export function isModuleNumericFailure(error: unknown): error is Error {
  return error instanceof ModuleDataError || error instanceof RangeError || error instanceof SvdConvergenceError;
}
