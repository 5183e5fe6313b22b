import type { TensorSource } from './source';

/**
 * Checks that every source is still the file it was opened as (see TensorSource.assertUnchanged):
 * called where results read from them are handed on, so a file rewritten during a job fails it
 * with a typed error instead of giving numbers that are not its contents.
 */
export async function assertUnchanged(...sources: readonly (TensorSource | null | undefined)[]): Promise<void> {
  for (const source of sources) await source?.assertUnchanged?.();
}
