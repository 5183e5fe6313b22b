/** Why a subspace job cannot run on the inputs it was given. */
export type SubspaceErrorCode =
  /** A checkpoint series needs at least two checkpoints. */
  'TOO_FEW_CHECKPOINTS';

/** A typed failure of the inputs to a subspace job (the CLI exits 2 on it). */
export class SubspaceError extends Error {
  override readonly name = 'SubspaceError';

  constructor(
    readonly code: SubspaceErrorCode,
    message: string,
  ) {
    super(message);
  }
}
