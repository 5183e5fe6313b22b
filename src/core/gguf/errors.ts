import { LensError, registerLensError } from '../errors';

/**
 * Why a file could not be read as GGUF. Codes are stable: the CLI's `--json` error output and
 * the editor's messages are keyed by them.
 */
export type GgufErrorCode =
  /** The first four bytes are not `GGUF`. */
  | 'NOT_GGUF'
  /** Version 1 (32-bit counts), a version newer than 3, or a byte-swapped (big-endian) file. */
  | 'UNSUPPORTED_VERSION'
  /** A count, length, dimension or depth over its bound. */
  | 'LIMIT_EXCEEDED'
  /** A header field runs past the end of the file. */
  | 'PAST_END'
  /** The header (metadata and tensor infos) is longer than this reader holds in memory. */
  | 'HEADER_TOO_LARGE'
  /** A metadata value of an unknown type, or `general.alignment` of the wrong type or value. */
  | 'INVALID_METADATA'
  | 'DUPLICATE_KEY'
  | 'DUPLICATE_TENSOR'
  /** A tensor info with a bad dimension count, shape, or element count. */
  | 'INVALID_SHAPE'
  /** A ggml type id this reader does not know. */
  | 'UNKNOWN_TYPE'
  /** A tensor's offset is not a multiple of the alignment. */
  | 'MISALIGNED'
  /** A tensor's bytes run past the end of the file. */
  | 'INVALID_OFFSETS'
  /** Two tensors' bytes overlap. */
  | 'OVERLAP'
  /** A tensor of a block type whose dequantization this reader does not implement was read. */
  | 'UNSUPPORTED_TYPE'
  /** The file ended early (or shrank since it was opened) while reading a tensor. */
  | 'MISSING_BYTES'
  | 'TENSOR_NOT_FOUND'
  /** A tensor asked for whole is larger than this process can hold in one array. */
  | 'TENSOR_TOO_LARGE'
  /** An element range that is not inside the tensor. */
  | 'INVALID_RANGE'
  /** The file changed (rewritten, truncated, replaced) after it was opened: results read from it are not given. */
  | 'FILE_CHANGED'
  | 'IO_ERROR';

/** A typed failure to read a GGUF file: carries a code, the file and, where known, the tensor or key. */
export class GgufError extends LensError {
  override readonly name = 'GgufError';
  readonly inputError = true;

  constructor(
    readonly code: GgufErrorCode,
    message: string,
    readonly file: string,
    readonly tensor?: string,
  ) {
    super(message);
  }
}
registerLensError('GgufError', GgufError);
