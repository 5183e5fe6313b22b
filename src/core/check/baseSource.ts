import type { OpenedAdapter } from '../adapter/load';
import type { BaseAnalysis } from '../base/analyzeBase';
import { BaseModel } from '../base/baseModel';
import type { ComputeOptions } from '../compute/worker/protocol';
import { againstBase } from '../jobs/baseJob';
import { CHECK_BASE_SEED, unmatchedModules } from './attachedBase';
import { baseHealthFindings } from './baseHealth';
import type { Finding } from './finding';
import type { AnalysisResults } from './health';
import type { HealthThresholds } from './thresholds';

/** As `lora-lens base` picks its engine by default: onnxruntime on the CPU when it loads, else the TypeScript engine. */
export const CHECK_BASE_COMPUTE: ComputeOptions = { backend: 'auto', device: 'cpu' };

const NEVER_CANCELLED = { isCancellationRequested: false };

/**
 * The findings of an adapter against the base model at `basePath` (a file, sharded folder or
 * index, diffusers pipeline, or Hugging Face cache folder, as `lora-lens base` takes it). The
 * base is opened header-only and read one weight at a time by the base analysis (analyzeBase.ts),
 * never whole. Every module is first matched by name and shape (header-only); when none has a
 * fitting weight but some have one of a contradicting shape, the analysis is not run and the
 * shape mismatch is the answer. A base that no module matches by name at all is a
 * BaseModelError (NO_MODULE_MATCHED), as for `lora-lens base`: the path names the wrong model.
 */
export async function findingsAgainstBase(opened: OpenedAdapter, adapterAnalysis: AnalysisResults, basePath: string, thresholds: HealthThresholds): Promise<Finding[]> {
  if (opened.adapter.modules.length === 0) return [];
  const base = await BaseModel.open(basePath);
  try {
    const unmatched = unmatchedModules(opened, base);
    const noneFits = unmatched.length === opened.adapter.modules.length;
    let analysis: BaseAnalysis | null = null;
    if (!(noneFits && unmatched.some((u) => u.kind === 'shape'))) {
      const options = { compute: CHECK_BASE_COMPUTE, seed: CHECK_BASE_SEED, epsilon: thresholds.intruderEpsilon };
      analysis = (await againstBase(opened, base, options, NEVER_CANCELLED, () => undefined)).analysis;
    }
    return baseHealthFindings(unmatched, analysis, adapterAnalysis, base.layout.path, thresholds);
  } finally {
    await base.close().catch(() => undefined);
  }
}
