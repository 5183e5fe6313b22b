import { LensError, registerLensError } from '../errors';

/** Why a resize cannot run on the inputs it was given (the CLI exits 2 on every one). */
export type ResizeErrorCode =
  /** Rank-method text or numbers that do not describe a method (e.g. "energy:1.5"). */
  | 'INVALID_METHOD'
  /** A global budget smaller than one component per module. */
  | 'BUDGET_TOO_SMALL'
  /** A module whose kept rank would be 0 (a zero ΔW under an energy or σ-above-mean rule). */
  | 'KEPT_RANK_ZERO'
  /** The input has no module whose factors can be truncated. */
  | 'NO_MODULES'
  /** A module the chosen output format cannot hold (LoHa/LoKr as a LoRA pair, a mixer kept). */
  | 'UNWRITABLE_LAYOUT'
  /** The output exists and overwrite was not asked for. */
  | 'OUTPUT_EXISTS'
  /** The output would replace the input. */
  | 'OUTPUT_IS_INPUT'
  /** The output's folder does not exist or cannot be written. */
  | 'OUTPUT_NOT_WRITABLE';

/**
 * A typed failure of a resize; `code` says what was wrong and `message` says where, in words a
 * CLI user can act on. Raised before anything is written.
 */
export class ResizeError extends LensError {
  override readonly name = 'ResizeError';
  readonly inputError = true;

  constructor(
    readonly code: ResizeErrorCode,
    message: string,
  ) {
    super(message);
  }
}
registerLensError('ResizeError', ResizeError);
