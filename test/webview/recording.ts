import { stat } from 'node:fs/promises';
import { openAdapter } from '../../src/core/adapter/load';
import { analyzeAdapter } from '../../src/core/analysis/analyze';
import { JsBackend } from '../../src/core/compute/jsBackend';
import { layerAnalysisOf, overviewOf } from '../../src/host/payloads';
import type { HostNotifications } from '../../src/protocol/messages';
import type { LayerAnalysis } from '../../src/protocol/payloads';

/** A notification as the host would post it, before it crosses the wire. */
export type HostMessage = { [M in keyof HostNotifications]: { readonly kind: 'notify'; readonly method: M; readonly params: HostNotifications[M] } }[keyof HostNotifications];

/** What the host sends for one file: the overview at once, then the analysis as it streams. */
export interface Recording {
  readonly overview: HostMessage & { method: 'overview' };
  /** `layers` and `progress` in arrival order, batched as the host batches them. */
  readonly stream: readonly HostMessage[];
  readonly done: HostMessage & { method: 'done' };
  readonly results: readonly LayerAnalysis[];
}

const BATCH = 8;

/**
 * Runs the project's own core on a real file (JS backend) and converts with the host's payload
 * functions, so the page is fed exactly what the extension would send for that file.
 */
export async function recordAdapter(path: string): Promise<Recording> {
  const opened = await openAdapter(path);
  try {
    const { size } = await stat(opened.adapter.file);
    const overview = overviewOf(opened.adapter, size);
    const analysis = await analyzeAdapter(opened, { backend: new JsBackend() });
    const results: LayerAnalysis[] = analysis.modules.map((result, index) => layerAnalysisOf(result, index));
    const stream: HostMessage[] = [];
    for (let i = 0; i < results.length; i += BATCH) {
      const batch = results.slice(i, i + BATCH);
      stream.push({ kind: 'notify', method: 'layers', params: { results: batch } });
      const done = Math.min(results.length, i + BATCH);
      stream.push({ kind: 'notify', method: 'progress', params: { done, total: results.length, module: overview.layers[done - 1]?.name ?? '' } });
    }
    return {
      overview: { kind: 'notify', method: 'overview', params: overview },
      stream,
      done: {
        kind: 'notify',
        method: 'done',
        params: { seconds: analysis.seconds, compute: { backend: analysis.backend, provider: null, threads: null, fallbackReason: null }, cached: false },
      },
      results,
    };
  } finally {
    await opened.file.close();
  }
}
