import { LensError, registerLensError } from '../errors';

/** Why a PyTorch checkpoint could not be read. Codes are stable (the CLI's `--json` output keys on them). */
export type PickleErrorCode =
  /** The pickle names a global outside the short list a tensor state dict needs. */
  | 'FORBIDDEN_GLOBAL'
  /** An opcode that builds or calls arbitrary objects (INST, OBJ, NEWOBJ, EXT*, …) or one this reader does not know. */
  | 'FORBIDDEN_OPCODE'
  /** A size, count or depth over the reader's bounds (memo, stack, nesting, string length, pickle size). */
  | 'LIMIT_EXCEEDED'
  /** A pickle that ends early, misuses its stack or memo, or has values of the wrong kind. */
  | 'MALFORMED_PICKLE'
  /** A valid pickle that is not a tensor state dict (whole pickled modules, sparse or quantized tensors). */
  | 'NOT_A_STATE_DICT'
  /** The zip archive's directory is damaged or inconsistent. */
  | 'BAD_ZIP'
  /** A feature this reader does not support: compression, encryption, big-endian storages, a dtype. */
  | 'UNSUPPORTED'
  /** A tensor's view runs outside its storage, or a storage outside its record. */
  | 'TENSOR_OUT_OF_BOUNDS'
  | 'TENSOR_NOT_FOUND'
  | 'TENSOR_TOO_LARGE'
  | 'MISSING_BYTES'
  /** The file changed (rewritten, truncated, replaced) after it was opened: results read from it are not given. */
  | 'FILE_CHANGED'
  | 'IO_ERROR';

/** A typed failure to read a PyTorch checkpoint: a code, the file and, where known, where in it. */
export class PickleError extends LensError {
  override readonly name = 'PickleError';
  readonly inputError = true;

  constructor(
    readonly code: PickleErrorCode,
    message: string,
    readonly file: string,
    readonly tensor?: string,
  ) {
    super(message);
  }
}
registerLensError('PickleError', PickleError);
