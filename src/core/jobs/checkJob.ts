import { stat } from 'node:fs/promises';
import { openAdapter } from '../adapter/load';
import type { Adapter } from '../adapter/model';
import type { AdapterAnalysis } from '../analysis/analyze';
import { attachedBaseFindings } from '../check/attachedBase';
import { bySeverity, checkOpened } from '../check/runCheck';
import { CHECK_SOURCES } from '../check/sources';
import { DEFAULT_HEALTH_THRESHOLDS } from '../check/thresholds';
import { assertUnchanged } from '../container/unchanged';
import { analyzeOpened } from './analyzeJob';
import type { JobDefinition } from './definition';
import type { JobInput } from './protocol';

/**
 * The check of one adapter in the analysis worker, so that the editor's thread only receives
 * the findings: the F16 pass reads every F16 factor, and an adapter without a reusable analysis
 * is analysed here first (its modules stream as progress). A base analysis kept for the file
 * (the editor's Attach Base Model) adds its base-model findings, derived again with these
 * thresholds, without reading the base.
 */
export const checkJob: JobDefinition<'check'> = {
  kind: 'check',
  async run({ path, options, thresholds, analysis, base }, { token, progress, ortWorker }) {
    const opened = await openAdapter(path);
    try {
      const known = (await reusable(path, opened.adapter, analysis)) ?? (await analysed());
      const check = await checkOpened(opened, known, thresholds ? { thresholds } : {}, CHECK_SOURCES);
      const against = base ? await attachedBaseFindings(base, known, { ...DEFAULT_HEALTH_THRESHOLDS, ...thresholds }) : null;
      // Findings read from a file rewritten meanwhile are not its findings.
      await assertUnchanged(opened.file);
      return against && against.length > 0 ? { ...check, findings: bySeverity([...check.findings, ...against]) } : check;
    } finally {
      await opened.file.close().catch(() => undefined);
    }

    async function analysed(): Promise<AdapterAnalysis> {
      const output = await analyzeOpened(opened, options, token, ortWorker, progress);
      return { modules: output.modules, backend: output.device.backend, seconds: output.seconds, device: output.device };
    }
  },
};

/** The given analysis when it is this file's: the same size and mtime, the same modules in the same order. */
async function reusable(path: string, adapter: Adapter, given: JobInput<'check'>['analysis']): Promise<AdapterAnalysis | null> {
  if (!given || given.modules.length !== adapter.modules.length) return null;
  const now = await stat(path);
  if (now.size !== given.size || now.mtimeMs !== given.mtimeMs) return null;
  if (!given.modules.every((m, i) => m.name === adapter.modules[i]?.name)) return null;
  return { modules: given.modules, backend: 'reused', seconds: 0 };
}
