import { openAdapter, type OpenedAdapter } from '../../src/core/adapter/load';
import { checkpointSeries } from '../../src/core/subspace/checkpoints';
import { compareAdapters, type AdapterComparison } from '../../src/core/subspace/compare';
import { crossLayerMaps, type CrossLayerMaps } from '../../src/core/subspace/crossLayer';
import type { CheckpointSeries } from '../../src/core/subspace/checkpoints';
import { comparisonPayload, convergencePayload, crossLayerPayload, phiGridPayload } from '../../src/host/subspacePayloads';
import type { SubspaceHostNotifications } from '../../src/protocol/subspaceMessages';
import type { PhiGridPayload } from '../../src/protocol/subspacePayloads';

/** A subspace notification as the host would post it. */
export type SubspaceMessage = {
  [M in keyof SubspaceHostNotifications]: { readonly kind: 'notify'; readonly method: M; readonly params: SubspaceHostNotifications[M] };
}[keyof SubspaceHostNotifications];

/** What the tests feed the panel, and the core's own numbers to check the page against. */
export interface SubspaceRecording {
  /** The early checkpoint against the final one, and against `extra`. */
  readonly comparison: AdapterComparison;
  readonly extraComparison: AdapterComparison;
  readonly compareMessages: readonly SubspaceMessage[];
  /** The φ grid of `gridModule`, as the host would answer `phiGrid`. */
  readonly gridModule: string;
  readonly grid: PhiGridPayload;
  readonly series: CheckpointSeries;
  readonly convergenceMessages: readonly SubspaceMessage[];
  readonly maps: CrossLayerMaps;
  readonly crossLayerMessages: readonly SubspaceMessage[];
}

async function both<T>(a: string, b: string, use: (x: OpenedAdapter, y: OpenedAdapter) => Promise<T>): Promise<T> {
  const [x, y] = [await openAdapter(a), await openAdapter(b)];
  try {
    return await use(x, y);
  } finally {
    await x.file.close();
    await y.file.close();
  }
}

/**
 * Runs the core's subspace analyses on real files in this thread and converts them with the
 * host's payload functions: the page gets what the extension would post for the same files.
 */
export async function recordSubspace(early: string, final: string, extra: string): Promise<SubspaceRecording> {
  const comparison = await both(early, final, (a, b) => compareAdapters(a, b));
  const extraComparison = await both(early, extra, (a, b) => compareAdapters(a, b));
  const gridModule = comparison.modules[2].name;
  const gridResult = await both(early, final, (a, b) => compareAdapters(a, b, { grids: [gridModule] }));
  const grid = phiGridPayload(gridModule, 0, gridResult);
  if (!grid) throw new Error(`no φ grid for ${gridModule}`);
  const series = await checkpointSeries([early, final]);
  const maps = await both(early, final, (a) => crossLayerMaps(a));
  const notify = (message: SubspaceMessage) => message;
  return {
    comparison,
    extraComparison,
    compareMessages: [
      notify({ kind: 'notify', method: 'started', params: { title: 'Compare checkpoint-230 with checkpoint-460, roberta-partial-lora.safetensors', kind: 'comparison' } }),
      notify({ kind: 'notify', method: 'progress', params: { done: 10, total: comparison.modules.length, module: comparison.modules[9].name } }),
      notify({ kind: 'notify', method: 'comparison', params: comparisonPayload(early, [final, extra], [comparison, extraComparison], 0.5) }),
    ],
    gridModule,
    grid,
    series,
    convergenceMessages: [
      notify({ kind: 'notify', method: 'started', params: { title: 'Convergence of 2 checkpoints', kind: 'convergence' } }),
      notify({ kind: 'notify', method: 'convergence', params: convergencePayload(series, 0.5) }),
    ],
    maps,
    crossLayerMessages: [
      notify({ kind: 'notify', method: 'started', params: { title: 'Cross-layer maps of checkpoint-230', kind: 'crossLayer' } }),
      notify({ kind: 'notify', method: 'crossLayer', params: crossLayerPayload(early, maps, 0.5) }),
    ],
  };
}
