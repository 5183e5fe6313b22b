import { SafetensorsError } from '../../src/core/safetensors/errors';
import { checkHeaderLength, parseHeader } from '../../src/core/safetensors/header';
import type { SafetensorsHeader } from '../../src/core/safetensors/types';

/**
 * Hand-built safetensors bytes for validation tests: any header text, any length prefix, any
 * data size, so that every malformed case can be produced exactly.
 */
export function rawFile(headerText: string, dataBytes: number, lengthOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  for (let i = 8 + json.length; i < out.length; i++) out[i] = i & 0xff;
  return out;
}

/** Validates in-memory bytes exactly as the file reader does (prefix, then header). */
export function parseBytes(bytes: Uint8Array, file = 'test.safetensors'): SafetensorsHeader {
  const length = checkHeaderLength(bytes.subarray(0, 8), bytes.length, file);
  return parseHeader(bytes.subarray(8, 8 + length), length, bytes.length, file);
}

/** The error code `parseBytes` throws, or 'ok'. Any other exception propagates. */
export function codeOf(bytes: Uint8Array): string {
  try {
    parseBytes(bytes);
    return 'ok';
  } catch (error) {
    if (error instanceof SafetensorsError) return error.code;
    throw error;
  }
}
