import { LensError, registerLensError } from '../errors';

/** Why a reference file (`checkpoints --reference`) cannot be used. */
export type ReferenceErrorCode =
  | 'NOT_FOUND'
  /** A link, FIFO, device or folder where a regular file was expected. */
  | 'NOT_REGULAR'
  | 'TRUNCATED'
  /** The header length is over the reference's bound (far below the format's own). */
  | 'HEADER_TOO_LARGE'
  /** More values or modules than a reference may hold (REFERENCE_LIMITS). */
  | 'TOO_LARGE'
  /** A tensor that is not `<module>.u`, `.v`, `.theta` or `.delta_w`, or two forms for one module. */
  | 'BAD_KEY'
  /** u without v, or v without u. */
  | 'MISSING_KEY'
  | 'BAD_DTYPE'
  | 'BAD_SHAPE'
  /** NaN or ±∞. */
  | 'NOT_FINITE'
  /** A zero direction or matrix, or θ ≤ 0. */
  | 'BAD_VALUE'
  /** The reference's m×n is not the adapter module's. */
  | 'SHAPE_MISMATCH'
  | 'NO_MODULES';

/** A typed failure of a reference file: carries a code, the file and, where known, the tensor or module. */
export class ReferenceFileError extends LensError {
  override readonly name = 'ReferenceFileError';
  readonly inputError = true;

  constructor(
    readonly code: ReferenceErrorCode,
    message: string,
    readonly file: string,
    readonly tensor?: string,
  ) {
    super(`${file}: ${message}`);
  }
}
registerLensError('ReferenceFileError', ReferenceFileError);
