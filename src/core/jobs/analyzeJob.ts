import { factorBytes } from '../adapter/factorBytes';
import { openAdapter, type OpenedAdapter } from '../adapter/load';
import { analyzeAdapter, type AdapterAnalysis, type ModuleResult } from '../analysis/analyze';
import type { CancellationToken } from '../cancellation';
import type { ComputeOptions } from '../compute/worker/protocol';
import { assertUnchanged } from '../container/unchanged';
import { deviceReport, release, startBackendFor, type JobBackend } from './backends';
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
    const bytes = factorBytes(opened.adapter);
    // The backend starts (an ORT worker boots) while the first batches are read and decoded; a
    // device that cannot run fails the analysis before any result, and the report names it.
    const starting = startBackendFor(bytes, options, ortWorker);
    chosen = starting.chosen;
    const first = chosen;
    const ready = starting.ready.then((ended) => {
      if (ended !== first) throw new FellBack(ended);
    });
    // Awaited by the analysis before its first result; a cancelled one may never get there.
    ready.catch(() => undefined);
    const total = opened.adapter.modules.length;
    const modules: ModuleResult[] = [];
    const reporting = {
      token,
      onModule: (result: ModuleResult, index: number) => {
        modules[index] = result;
        progress({ index, total, result });
      },
    };
    let analysis: AdapterAnalysis;
    try {
      analysis = await analyzeAdapter(opened, { ...reporting, backend: chosen.backend, ready });
      // With no batch to finish the analysis never waited for the start: its failure is still the job's.
      await ready;
    } catch (error) {
      // `auto` chose onnxruntime and its addon cannot load here: the analysis is redone on JS (no
      // result was reported yet: the first waits for the start).
      if (!(error instanceof FellBack)) throw error;
      await release(chosen.backend);
      chosen = error.backend;
      analysis = await analyzeAdapter(opened, { ...reporting, backend: chosen.backend });
    }
    // Numbers read from a file rewritten meanwhile are not its numbers: none are returned.
    await assertUnchanged(opened.file);
    return { modules, seconds: analysis.seconds, device: deviceReport(chosen), ...(analysis.pieceNorms ? { pieceNorms: analysis.pieceNorms } : {}) };
  } finally {
    // A cancelled job may leave a batch running in ORT: the job ends when that run has, so the
    // host may end this thread as soon as it hears the job is over (see WorkerOrtBackend.idle).
    if (chosen) await release(chosen.backend);
  }
}

/** The started backend is not the one chosen first (onnxruntime could not load): the job moves to it. */
class FellBack extends Error {
  constructor(readonly backend: JobBackend) {
    super(`the analysis moved to ${backend.backend.name}`);
  }
}
