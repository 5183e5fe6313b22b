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
