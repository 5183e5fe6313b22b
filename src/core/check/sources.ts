import { findingsAgainstBase } from './baseSource';
import { f16OverflowFindings } from './f16Range';
import type { Finding } from './finding';
import { healthFindings } from './health';
import { metadataContradictions } from './contradictions';
import { identify } from './identify';
import { noModulesFindings } from './noModules';
import type { CheckSources } from './runCheck';
import { judgeTargets } from './targets/judge';

/**
 * What `lora-lens check` runs: the identity (identify.ts), each loader's verdict (targets/judge.ts,
 * with the rules of targets/registry.ts), metadata that contradicts the identity
 * (contradictions.ts), the health findings (health.ts) and the F16 range pass over the stored
 * factors (f16Range.ts), plus a finding for a file that holds no adapted module; with `--base`,
 * the findings against the base model (baseSource.ts).
 */
export const CHECK_SOURCES: CheckSources = {
  identify,
  loads: (adapter, identity, asked) => judgeTargets(adapter, identity, asked),
  contradictions: metadataContradictions,
  async health(adapter, analysis, file, thresholds): Promise<Finding[]> {
    return [...noModulesFindings(adapter), ...healthFindings(adapter, analysis, thresholds), ...(await f16OverflowFindings(adapter, file, thresholds))];
  },
  base: (adapter, analysis, file, basePath, thresholds) => findingsAgainstBase({ adapter, file }, analysis, basePath, thresholds),
};
