import { strict as assert } from 'node:assert';
import { openAdapter, type OpenedAdapter } from '../../src/core/adapter/load';
import { analyzeAdapter, type AdapterAnalysis, type ModuleResult } from '../../src/core/analysis/analyze';
import { worstRelativeError } from './factors';
import type { Rng } from './random';
import { referenceSingularValues, type DDMatrix } from './referenceSvd';

/** Opens a fixture, analyses it, and hands both to `check`; the file is always closed. */
export async function withAnalysis(
  path: string,
  check: (opened: OpenedAdapter, results: ReadonlyMap<string, ModuleResult>, analysis: AdapterAnalysis) => void | Promise<void>,
): Promise<void> {
  const opened = await openAdapter(path);
  try {
    const analysis = await analyzeAdapter(opened);
    await check(opened, new Map(analysis.modules.map((r) => [r.name, r])), analysis);
  } finally {
    await opened.file.close();
  }
}

/** Asserts a module's spectrum equals the reference SVD of the ΔW it should encode. */
export function assertSpectrum(results: ReadonlyMap<string, ModuleResult>, name: string, expected: DDMatrix, rng: Rng, tolerance = 1e-12): void {
  const result = results.get(name);
  assert.ok(result, `module ${name} is missing; have ${[...results.keys()].join(', ')}`);
  assert.equal(result.status, 'ok', `${name}: ${result.status === 'skipped' ? result.reason : ''}`);
  if (result.status !== 'ok') return;
  const want = referenceSingularValues(expected);
  const got = result.singularValues;
  const { error, index } = worstRelativeError(got, want, 1e-6);
  assert.ok(error <= tolerance, `${name}: σ${index + 1} relative error ${error} ${rng.tag}`);
  for (let i = got.length; i < want.length; i++) assert.ok(want[i] <= 1e-12 * want[0], `${name}: σ${i + 1} = ${want[i]} missing from the spectrum ${rng.tag}`);
}
