import { factorBytes } from '../adapter/factorBytes';
import { openAdapter, type OpenedAdapter } from '../adapter/load';
import { analyzeAdapter, type ModuleResult } from '../analysis/analyze';
import type { CancellationToken } from '../cancellation';
import type { ComputeOptions } from '../compute/worker/protocol';
import { assertUnchanged } from '../container/unchanged';
import { backendFor, deviceReport, release, startBackend, type JobBackend } from './backends';
import type { JobDefinition } from './definition';
import type { JobKinds } from './protocol';

type Analysis = JobKinds['analyze']['output'];
type AnalysisProgress = JobKinds['analyze']['progress'];

/**
 * Opens the adapter, reads and decodes factors, finishes every spectrum, and streams each
 * module's result as soon as it is known. Device products go to the long-lived ORT worker.
 */
export const analyzeJob: JobDefinition<'analyze'> = {
  kind: 'analyze',
  async run({ path, options }, { token, progress, ortWorker }) {
    const opened = await openAdapter(path);
    try {
      return await analyzeOpened(opened, options, token, ortWorker, progress);
    } finally {
      await opened.file.close().catch(() => undefined);
    }
  },
};

/** The analysis of an adapter already open (the caller closes it), on the backend the policy picks. */
export async function analyzeOpened(
  opened: OpenedAdapter,
  options: ComputeOptions,
  token: CancellationToken,
  ortWorker: string,
  progress: (p: AnalysisProgress) => void,
): Promise<Analysis> {
  let chosen: JobBackend | undefined;
  try {
    chosen = backendFor(factorBytes(opened.adapter), options, ortWorker);
    // Decide the device before any work, so an impossible one fails now and the report names it.
    await startBackend(chosen.backend);
    const total = opened.adapter.modules.length;
    const modules: ModuleResult[] = [];
    const analysis = await analyzeAdapter(opened, {
      backend: chosen.backend,
      token,
      onModule: (result, index) => {
        modules[index] = result;
        progress({ index, total, result });
      },
    });
    // Numbers read from a file rewritten meanwhile are not its numbers: none are returned.
    await assertUnchanged(opened.file);
    return { modules, seconds: analysis.seconds, device: deviceReport(chosen), ...(analysis.pieceNorms ? { pieceNorms: analysis.pieceNorms } : {}) };
  } finally {
    // A cancelled job may leave a batch running in ORT: the job ends when that run has, so the
    // host may end this thread as soon as it hears the job is over (see WorkerOrtBackend.idle).
    if (chosen) await release(chosen.backend);
  }
}
