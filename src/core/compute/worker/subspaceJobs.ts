import { openAdapter, type OpenedAdapter } from '../../adapter/load';
import type { CancellationToken } from '../../cancellation';
import { checkpointSeries } from '../../subspace/checkpoints';
import { compareAdapters } from '../../subspace/compare';
import { crossLayerMaps } from '../../subspace/crossLayer';
import { runBaseJob } from './baseJob';
import type { SubspaceJob, SubspaceResult } from './protocol';

export type ProgressSink = (done: number, total: number, module: string) => void;

/**
 * Runs one subspace analysis in the worker thread: opens what the job names, calls the core
 * (which reads factors one pair at a time and checks the token between modules), and closes
 * every file it opened whatever happens. The subspace ones are float64 JS kernels on r-sized
 * blocks, so they take no compute backend; the base job multiplies by W0 on a dense engine.
 */
export async function runSubspaceJob(work: SubspaceJob, token: CancellationToken, onProgress: ProgressSink): Promise<SubspaceResult> {
  switch (work.kind) {
    case 'compare':
      return withOpened([work.pathA, work.pathB], async ([a, b]) => {
        const only = work.options.only ? new Set(work.options.only) : null;
        const subset: OpenedAdapter = only ? { ...a, adapter: { ...a.adapter, modules: a.adapter.modules.filter((m) => only.has(m.name)) } } : a;
        const comparison = await compareAdapters(subset, b, {
          ...(work.options.k === undefined ? {} : { k: work.options.k }),
          ...(work.options.grids ? { grids: work.options.grids } : {}),
          token,
          onProgress,
        });
        return { kind: 'compare', comparison };
      });
    case 'checkpoints':
      return { kind: 'checkpoints', series: await checkpointSeries(work.paths, { token, onProgress }) };
    case 'crossLayer':
      return withOpened([work.path], async ([opened]) => ({ kind: 'crossLayer', maps: await crossLayerMaps(opened, { token }) }));
    case 'base':
      return runBaseJob(work, token, onProgress);
  }
}

/** Opens the adapters in order, runs `use`, and closes all that opened (also when one fails to open). */
async function withOpened<T>(paths: readonly string[], use: (opened: OpenedAdapter[]) => Promise<T>): Promise<T> {
  const opened: OpenedAdapter[] = [];
  try {
    for (const path of paths) opened.push(await openAdapter(path));
    return await use(opened);
  } finally {
    for (const o of opened) await o.file.close().catch(() => undefined);
  }
}
