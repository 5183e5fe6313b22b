import type { Adapter } from '../adapter/model';
import type { AdapterAnalysis } from '../analysis/analyze';
import type { Finding, Identity } from './finding';
import type { CheckSources } from './runCheck';

// Minimal sources for the check command, to be replaced by the full identification
// (identify.ts) and health findings (health.ts). They claim only what the reader already knows.

/** What the reader's format detection says, and nothing more: no writer or architecture is guessed. */
export function placeholderIdentify(adapter: Adapter): Identity {
  return { container: adapter.container ?? 'safetensors', algorithm: adapter.formatDetail, writer: null, architecture: null };
}

/** No metadata is compared with the tensors here. */
export function placeholderContradictions(): Finding[] {
  return [];
}

/** A skip reason that names NaN or Inf values (analysis/factors.ts checkFinite, streamedFactor.ts). */
const NON_FINITE_REASON = /\bNaN\b|\binfinite\b/;

/**
 * Health from what the analysis already reports: modules skipped because their factors hold NaN
 * or Inf (NON_FINITE), and a readable file with no adapted module at all (NO_MODULES).
 */
export function placeholderHealth(adapter: Adapter, analysis: AdapterAnalysis): Finding[] {
  const findings: Finding[] = [];
  if (adapter.modules.length === 0) {
    const why = adapter.warnings.length > 0 ? `: ${adapter.warnings[0]}` : '';
    findings.push({ code: 'NO_MODULES', severity: 'error', message: `the file holds no adapted module${why}`, modules: [] });
  }
  const nonFinite = analysis.modules.filter((m) => m.status === 'skipped' && NON_FINITE_REASON.test(m.reason));
  if (nonFinite.length > 0) {
    const first = nonFinite[0];
    const example = first.status === 'skipped' ? `; e.g. ${first.reason}` : '';
    findings.push({
      code: 'NON_FINITE',
      severity: 'error',
      message: `${nonFinite.length} module${nonFinite.length === 1 ? '' : 's'} hold${nonFinite.length === 1 ? 's' : ''} NaN or infinite values${example}`,
      modules: nonFinite.map((m) => m.name),
    });
  }
  return findings;
}

/** The sources the check command runs with until the full ones are in. */
export const PLACEHOLDER_SOURCES: CheckSources = {
  identify: placeholderIdentify,
  contradictions: placeholderContradictions,
  health: placeholderHealth,
};
