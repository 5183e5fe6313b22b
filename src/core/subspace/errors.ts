import { LensError, registerLensError } from '../errors';

/** Why a subspace job cannot run on the inputs it was given. */
export type SubspaceErrorCode =
  /** A checkpoint series needs at least two checkpoints. */
  'TOO_FEW_CHECKPOINTS';

/** A typed failure of the inputs to a subspace job (the CLI exits 2 on it). */
export class SubspaceError extends LensError {
  override readonly name = 'SubspaceError';
  readonly inputError = true;

  constructor(
    readonly code: SubspaceErrorCode,
    message: string,
  ) {
    super(message);
  }
}
registerLensError('SubspaceError', SubspaceError);
