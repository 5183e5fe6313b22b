import { factorBytes } from '../adapter/factorBytes';
import type { OpenedAdapter } from '../adapter/load';
import type { Adapter } from '../adapter/model';
import type { ComputeBackend } from '../compute/backend';
import { JsBackend } from '../compute/jsBackend';
import type { ComputeOptions } from '../compute/worker/protocol';
import { checkpointSeries } from '../subspace/checkpoints';
import { compareAdapters } from '../subspace/compare';
import { crossLayerMaps } from '../subspace/crossLayer';
import { backendFor, release, startBackendFor, startOrtWorker, weightsBytes } from './backends';
import { withOpened } from './opened';
import type { JobDefinition } from './definition';

/**
 * The subspace analyses: each opens what the job names, calls the core (which reads factors in
 * batches and checks the token between modules), and closes every file it opened whatever
 * happens. Each runs its products on the backend the policy picks for the bytes it reads (the
 * long-lived ORT worker for large adapters).
 */

const AUTO: ComputeOptions = { backend: 'auto', device: 'auto' };

/** Adapter B against adapter A, module by module. */
export const compareJob: JobDefinition<'compare'> = {
  kind: 'compare',
  run: async ({ pathA, pathB, options = {} }, { token, progress, ortWorker }) => {
    // The ORT worker boots beside the header reads when onnxruntime will run, as for inspect (the
    // factors are at most the two files; with `only`, the policy decides after the headers).
    if (!options.only) startOrtWorker(options.compute ?? AUTO, ortWorker, (await weightsBytes(pathA)) + (await weightsBytes(pathB)));
    return withOpened([pathA, pathB], async ([a, b]) => {
      const only = options.only ? new Set(options.only) : null;
      const subset: OpenedAdapter = only ? { ...a, adapter: { ...a.adapter, modules: a.adapter.modules.filter((m) => only.has(m.name)) } } : a;
      // With `only`, B's share is about A's: the bytes the comparison reads, not B's whole file.
      const bytes = factorBytes(subset.adapter) + (only ? factorBytes(subset.adapter) : factorBytes(b.adapter));
      // Whether onnxruntime loads is learnt from the worker's start, as for inspect: asking the
      // policy here would load the addon on this thread beside the worker's own load.
      const starting = startBackendFor(bytes, options.compute ?? AUTO, ortWorker);
      let backend: ComputeBackend;
      try {
        backend = (await starting.ready).backend;
      } catch (error) {
        await release(starting.chosen.backend);
        throw error;
      }
      // A worker that could not load was dropped from the table; this job ends it.
      if (backend !== starting.chosen.backend) await release(starting.chosen.backend);
      try {
        return await compareAdapters(subset, b, {
          ...(options.k === undefined ? {} : { k: options.k }),
          ...(options.grids ? { grids: options.grids } : {}),
          backend,
          token,
          onProgress: (done, total, module) => progress({ done, total, module }),
        });
      } finally {
        await release(backend);
      }
    });
  },
};

/** One run's checkpoints against the final one. */
export const checkpointsJob: JobDefinition<'checkpoints'> = {
  kind: 'checkpoints',
  async run({ paths, compute, reference }, { token, progress, ortWorker }) {
    let backend: ComputeBackend | undefined;
    const chooseFor = (adapters: readonly Adapter[]): ComputeBackend => {
      const bytes = adapters.reduce((sum, a) => sum + factorBytes(a), 0);
      backend = backendFor(bytes, compute ?? AUTO, ortWorker).backend;
      return backend;
    };
    try {
      return await checkpointSeries(paths, {
        backendFor: chooseFor,
        ...(reference === undefined ? {} : { reference }),
        token,
        onProgress: (done, total, module) => progress({ done, total, module }),
      });
    } finally {
      if (backend) await release(backend);
    }
  },
};

/** Layer × layer maps of one adapter. */
export const crossLayerJob: JobDefinition<'crossLayer'> = {
  kind: 'crossLayer',
  run: ({ path }, { token, ortWorker }) =>
    withOpened([path], async ([opened]) => {
      const { backend } = backendFor(factorBytes(opened.adapter), AUTO, ortWorker);
      try {
        // Small adapters keep the float64 TypeScript bases; large ones group their Grams on ORT.
        return await crossLayerMaps(opened, backend instanceof JsBackend ? { token } : { token, backend });
      } finally {
        await release(backend);
      }
    }),
};
