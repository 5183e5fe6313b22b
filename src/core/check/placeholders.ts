import type { Adapter } from '../adapter/model';
import type { Finding, Identity } from './finding';

// Identity and contradictions from what the reader already knows, until identify.ts is wired in.

/** What the reader's format detection says, and nothing more: no writer or architecture is guessed. */
export function placeholderIdentify(adapter: Adapter): Identity {
  return { container: adapter.container ?? 'safetensors', algorithm: adapter.formatDetail, writer: null, architecture: null };
}

/** No metadata is compared with the tensors here. */
export function placeholderContradictions(): Finding[] {
  return [];
}

/** A readable file with no adapted module at all: nothing it would change in a model (NO_MODULES). */
export function placeholderNoModules(adapter: Adapter): Finding[] {
  if (adapter.modules.length > 0) return [];
  const why = adapter.warnings.length > 0 ? `: ${adapter.warnings[0]}` : '';
  return [{ code: 'NO_MODULES', severity: 'error', message: `the file holds no adapted module${why}`, modules: [] }];
}
