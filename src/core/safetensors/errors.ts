import { LensError, registerLensError } from '../errors';

/**
 * Why a file could not be read as safetensors. Codes are stable: the CLI's `--json` error output
 * and the editor's messages are keyed by them.
 */
export type SafetensorsErrorCode =
  /** Named .safetensors but something else (Git LFS pointer, text, pickle, HTML, empty). */
  | 'NOT_SAFETENSORS'
  /** Fewer than 8 bytes, so not even the header length is there. */
  | 'FILE_TOO_SMALL'
  /** The header length N is over the 100,000,000-byte limit. */
  | 'HEADER_TOO_LARGE'
  /** 8 + N runs past the end of the file. */
  | 'HEADER_PAST_END'
  | 'HEADER_NOT_UTF8'
  | 'HEADER_NOT_JSON'
  | 'HEADER_NOT_OBJECT'
  | 'DUPLICATE_KEY'
  | 'INVALID_METADATA'
  /** An entry that is not {dtype, shape, data_offsets} or has extra or missing fields. */
  | 'INVALID_ENTRY'
  | 'UNKNOWN_DTYPE'
  | 'INVALID_SHAPE'
  /** elements × bits overflows the safe integer range. */
  | 'SHAPE_OVERFLOW'
  | 'INVALID_OFFSETS'
  /** data_offsets' length disagrees with shape × dtype width. */
  | 'SIZE_MISMATCH'
  /** A sub-byte dtype whose elements do not fill whole bytes. */
  | 'MISALIGNED'
  /** Sorted by offset, tensors leave a gap or overlap. */
  | 'NOT_CONTIGUOUS'
  /** The file holds bytes after the last tensor. */
  | 'TRAILING_BYTES'
  /** The file ends before the last tensor's data does. */
  | 'MISSING_BYTES'
  /** A tensor of a dtype that cannot be decoded as real numbers was asked for as numbers. */
  | 'UNSUPPORTED_DTYPE'
  /** A tensor asked for whole is larger than this process can hold in one array (over 4 GiB, or past free memory). */
  | 'TENSOR_TOO_LARGE'
  /** A tensor was asked for by a name the header does not have. */
  | 'TENSOR_NOT_FOUND'
  /** A write would replace an existing file and overwriting was not asked for. */
  | 'FILE_EXISTS'
  /** The file changed (size, times or identity) after it was opened, so what was read from it cannot be trusted. */
  | 'FILE_CHANGED'
  | 'IO_ERROR';

/** A typed failure to read a safetensors file: carries a code, the file and, where known, the tensor. */
export class SafetensorsError extends LensError {
  override readonly name = 'SafetensorsError';
  readonly inputError = true;

  constructor(
    readonly code: SafetensorsErrorCode,
    message: string,
    readonly file: string,
    readonly tensor?: string,
  ) {
    super(message);
  }
}
registerLensError('SafetensorsError', SafetensorsError);
