import type { Adapter } from '../adapter/model';
import type { Finding } from './finding';

/** A readable file with no adapted module at all: nothing it would change in a model (NO_MODULES). */
export function noModulesFindings(adapter: Adapter): Finding[] {
  if (adapter.modules.length > 0) return [];
  const why = adapter.warnings.length > 0 ? `: ${adapter.warnings[0]}` : '';
  return [{ code: 'NO_MODULES', severity: 'error', message: `the file holds no adapted module${why}`, modules: [] }];
}
