import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeBFloat16, encodeFloat16, encodeFloat32, encodeFloat64 } from '../../src/core/safetensors/encode';
import type { DType } from '../../src/core/safetensors/types';
import { encodeSafetensors } from '../../src/core/safetensors/writer';

/** Generated adapter files for what the real corpus lacks; written to fresh temp folders. */

export interface FixtureTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: ArrayLike<number>;
  /** Defaults to F64 so that spectra can be checked exactly against the reference. */
  readonly dtype?: Extract<DType, 'F64' | 'F32' | 'F16' | 'BF16'>;
}

const ENCODERS = { F64: encodeFloat64, F32: encodeFloat32, F16: encodeFloat16, BF16: encodeBFloat16 };

/** A fresh temporary folder; remove it with `removeDir`. */
export function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'lora-lens-test-'));
}

export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/** The bytes of a safetensors file holding these tensors. */
export function fixtureBytes(tensors: readonly FixtureTensor[], metadata?: Record<string, string> | null): Uint8Array {
  return encodeSafetensors(
    tensors.map((t) => {
      const dtype = t.dtype ?? 'F64';
      return { name: t.name, dtype, shape: t.shape, data: ENCODERS[dtype](t.values) };
    }),
    metadata,
  );
}

/** Writes `fileName` (and `adapter_config.json` when a config is given) into `dir`; returns the file's path. */
export async function writeFixture(
  dir: string,
  fileName: string,
  tensors: readonly FixtureTensor[],
  options: { config?: unknown; metadata?: Record<string, string> | null } = {},
): Promise<string> {
  const path = join(dir, fileName);
  await writeFile(path, fixtureBytes(tensors, options.metadata));
  if (options.config !== undefined) {
    // A string is written as it is (to test malformed configs); anything else as JSON.
    const text = typeof options.config === 'string' ? options.config : JSON.stringify(options.config);
    await writeFile(join(dir, 'adapter_config.json'), text);
  }
  return path;
}

/** Path inside the corpus of real adapters, `test/corpus/` (read-only: copy before writing). */
export function corpusPath(...parts: string[]): string {
  // Compiled to out/test/helpers/: three levels up is the repository root.
  return join(__dirname, '..', '..', '..', 'test', 'corpus', ...parts);
}
