import { openAdapter, type OpenedAdapter } from '../../adapter/load';
import type { Adapter } from '../../adapter/model';
import type { CancellationToken } from '../../cancellation';
import { checkpointSeries } from '../../subspace/checkpoints';
import { compareAdapters } from '../../subspace/compare';
import { crossLayerMaps } from '../../subspace/crossLayer';
import type { ComputeBackend } from '../backend';
import { JsBackend } from '../jsBackend';
import { runBaseJob } from './baseJob';
import { chooseBackend, chooseBackendFor, factorBytes } from './chooseBackend';
import { WorkerOrtBackend } from './workerOrtBackend';
import type { SubspaceJob, SubspaceResult } from './protocol';

export type ProgressSink = (done: number, total: number, module: string) => void;

/**
 * Runs one subspace analysis in the worker thread: opens what the job names, calls the core
 * (which reads factors in batches and checks the token between modules), and closes
 * every file it opened whatever happens. A comparison runs its tall products on the backend
 * `auto` picks for the bytes it reads (the long-lived ORT worker for large adapters), and so does
 * a checkpoint series, and the cross-layer maps (their Grams of stacked bases); the base job multiplies by
 * W0 on a dense engine.
 */
export async function runSubspaceJob(work: SubspaceJob, token: CancellationToken, onProgress: ProgressSink): Promise<SubspaceResult> {
  switch (work.kind) {
    case 'compare':
      return withOpened([work.pathA, work.pathB], async ([a, b]) => {
        const only = work.options.only ? new Set(work.options.only) : null;
        const subset: OpenedAdapter = only ? { ...a, adapter: { ...a.adapter, modules: a.adapter.modules.filter((m) => only.has(m.name)) } } : a;
        // With `only`, B's share is about A's: the bytes the comparison reads, not B's whole file.
        const bytes = factorBytes(subset.adapter) + (only ? factorBytes(subset.adapter) : factorBytes(b.adapter));
        const { backend } = chooseBackendFor(bytes, work.options.compute ?? { backend: 'auto', device: 'auto' }, __dirname);
        try {
          const comparison = await compareAdapters(subset, b, {
            ...(work.options.k === undefined ? {} : { k: work.options.k }),
            ...(work.options.grids ? { grids: work.options.grids } : {}),
            backend,
            token,
            onProgress,
          });
          return { kind: 'compare', comparison };
        } finally {
          await release(backend);
        }
      });
    case 'checkpoints': {
      let backend: ComputeBackend | undefined;
      const backendFor = (adapters: readonly Adapter[]): ComputeBackend => {
        const bytes = adapters.reduce((sum, a) => sum + factorBytes(a), 0);
        backend = chooseBackendFor(bytes, { backend: 'auto', device: 'auto' }, __dirname).backend;
        return backend;
      };
      try {
        return { kind: 'checkpoints', series: await checkpointSeries(work.paths, { backendFor, token, onProgress }) };
      } finally {
        if (backend) await release(backend);
      }
    }
    case 'crossLayer':
      return withOpened([work.path], async ([opened]) => {
        const { backend } = chooseBackend(opened.adapter, { backend: 'auto', device: 'auto' }, __dirname);
        try {
          // Small adapters keep the float64 TypeScript bases; large ones group their Grams on ORT.
          const maps = await crossLayerMaps(opened, backend instanceof JsBackend ? { token } : { token, backend });
          return { kind: 'crossLayer', maps };
        } finally {
          await release(backend);
        }
      });
    case 'base':
      return runBaseJob(work, token, onProgress);
  }
}

/**
 * Ends a job's use of its backend: the long-lived ORT worker is kept for later jobs once its
 * outstanding run is over (a cancelled job may leave one), the JS backend holds nothing.
 */
async function release(backend: ComputeBackend): Promise<void> {
  if (backend instanceof WorkerOrtBackend) await backend.idle();
  else await backend.dispose();
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
