import type { FileHandle } from 'node:fs/promises';
import { readFully } from '../io/readFile';
import { PickleError } from './errors';

/** `length` bytes at `position`, read in bounded chunks; a file that ends first is MISSING_BYTES. */
export async function readAt(handle: FileHandle, position: number, length: number, file: string, tensor?: string, target?: Uint8Array): Promise<Uint8Array> {
  const out = target ?? allocate(length, file, tensor);
  let done: number;
  try {
    done = await readFully(handle, out.subarray(0, length), position);
  } catch (error) {
    throw new PickleError('IO_ERROR', `reading ${length} bytes at ${position} failed: ${(error as Error).message}`, file, tensor);
  }
  if (done < length)
    throw new PickleError(
      'MISSING_BYTES',
      `the file ended at byte ${position + done} while ${length} bytes at ${position} were read (truncated or replaced since it was opened?)`,
      file,
      tensor,
    );
  return out.subarray(0, length);
}

/** A buffer of `length` bytes; one past what this process can hold is TENSOR_TOO_LARGE, not a bare RangeError. */
export function allocate(length: number, file: string, tensor?: string): Uint8Array {
  try {
    return new Uint8Array(length);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new PickleError(
      'TENSOR_TOO_LARGE',
      `${length} bytes${tensor ? ` of tensor ${JSON.stringify(tensor)}` : ''} are too many to hold in memory here: ${error.message}`,
      file,
      tensor,
    );
  }
}
