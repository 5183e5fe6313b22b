import { analyzeJob } from './analyzeJob';
import { baseJob } from './baseJob';
import { checkJob } from './checkJob';
import { inspectJob } from './inspectJob';
import { checkpointsJob, compareJob, crossLayerJob } from './subspaceJobs';
import { warmJob } from './warmJob';
import type { JobDefinition } from './definition';
import type { JobKind } from './protocol';

/** Every job the analysis worker runs, by kind; a kind without a definition fails to compile. */
export const JOBS: { readonly [K in JobKind]: JobDefinition<K> } = {
  analyze: analyzeJob,
  compare: compareJob,
  checkpoints: checkpointsJob,
  crossLayer: crossLayerJob,
  base: baseJob,
  inspect: inspectJob,
  check: checkJob,
  warm: warmJob,
};
