import { join } from 'node:path';

/** Where a workspace keeps its predictors: one folder per predictor below it. */
export const WORKSPACE_PREDICTORS = join('.lora-lens', 'predictors');
