import { isUsableScale } from '../adapter/scale';
import { isDerived } from '../analysis/derivedFactor';
import type { Adapter, AdaptedModule, LowRankFactors } from '../adapter/model';
import { throwIfCancelled, type CancellationToken } from '../cancellation';
import { isModuleNumericFailure } from '../analysis/factorErrors';
import { readLowRank, type LowRankData } from '../analysis/factors';
import { Workspace } from '../analysis/workspace';
import type { ComputeBackend } from '../compute/backend';
import type { Matrix } from '../linalg/matrix';
import type { TensorSource } from '../container/source';
import type { RankInput } from './recommend';
import { truncationBasis, type TruncationBasis } from './truncate';

/** A module that will be truncated: its adapter entry, factors and exact basis. */
export interface ResizableModule {
  readonly module: AdaptedModule;
  readonly factors: LowRankFactors;
  readonly basis: TruncationBasis;
}

/** A module left out of the truncation, and why in words. */
export interface SkippedModule {
  readonly module: AdaptedModule;
  /** True for LoHa/LoKr modules, which a layout that holds them can copy unchanged. */
  readonly structured: boolean;
  readonly reason: string;
}

export interface PreparedAdapter {
  readonly modules: readonly ResizableModule[];
  readonly skipped: readonly SkippedModule[];
}

/** A module read for pass one: its factors, or why it is skipped. */
interface Item {
  readonly module: AdaptedModule;
  readonly factors?: LowRankFactors;
  readonly data?: LowRankData;
  readonly skipped?: SkippedModule;
}

interface Batch {
  readonly items: readonly Item[];
  readonly R: Promise<Matrix[]>;
}

/**
 * Pass one of a resize: every low-rank module's exact spectrum and the small maps that turn its
 * factors into truncated ones (truncate.ts), from one read of its factors. The triangular
 * factors R_B, R_A come from the backend, batched as the analysis batches them (about
 * `backend.batchBytes` of factors per call, the next batch read while the backend works on the
 * current one); everything after R is r×r float64 work here. Only R is needed: the maps are
 * built from R_B, R_A and the core's SVD, so any backward-stable R (Householder, or CholeskyQR2
 * within its κ ≲ 1e8 reach, past which the ORT backend falls back to Householder) gives the
 * truncation to the same accuracy. LoHa and LoKr modules, stacked expert slices and modules
 * whose factors cannot be read (NaN, missing tensors, bad shapes) are listed as skipped with
 * their reason. Progress counts modules.
 */
export async function prepareAdapter(
  file: TensorSource,
  adapter: Adapter,
  backend: ComputeBackend,
  token?: CancellationToken,
  onProgress?: (done: number, total: number) => void,
): Promise<PreparedAdapter> {
  const modules: ResizableModule[] = [];
  const skipped: SkippedModule[] = [];
  const total = adapter.modules.length;
  const workspaces = [new Workspace(backend.allocator), new Workspace(backend.allocator)];
  let next = 0;
  let batches = 0;
  let done = 0;
  let pending: Batch | null = null;
  const finish = async (batch: Batch): Promise<void> => {
    for (const outcome of await finished(batch, backend, token)) {
      if ('basis' in outcome) modules.push(outcome);
      else skipped.push(outcome);
      onProgress?.(++done, total);
    }
  };
  try {
    while (next < total || pending) {
      throwIfCancelled(token);
      let current: Batch | null = null;
      if (next < total) {
        // At most one batch is pending while this one is read: alternating keeps their buffers apart.
        const workspace = workspaces[batches++ % 2];
        workspace.reset();
        const items: Item[] = [];
        let bytes = 0;
        do {
          const item = await readItem(file, adapter.modules[next++], backend, workspace);
          items.push(item);
          if (item.data) bytes += item.data.B.values.byteLength + item.data.At.values.byteLength;
          throwIfCancelled(token);
        } while (next < total && bytes < backend.batchBytes);
        const factors = items.flatMap((i) => (i.data ? [i.data.B, i.data.At] : []));
        current = { items, R: factors.length > 0 ? backend.triangularFactors(factors, token) : Promise.resolve([]) };
        // A rejection is handled when the batch is finished; don't let it count as unhandled meanwhile.
        current.R.catch(() => {});
      }
      if (pending) await finish(pending);
      pending = current;
    }
  } finally {
    // The backend may still be working on a batch: never leave it mid-run (it is disposed next).
    await pending?.R.catch(() => undefined);
  }
  return { modules, skipped };
}

/** Reads one module's factors in the backend's form, or says why it is skipped. */
async function readItem(file: TensorSource, module: AdaptedModule, backend: ComputeBackend, workspace: Workspace): Promise<Item> {
  const f = module.factors;
  if (!f) return { module, skipped: { module, structured: false, reason: module.warnings.join('; ') || 'its factors are missing' } };
  if (f.type !== 'lowRank')
    return { module, skipped: { module, structured: true, reason: `${f.type === 'hadamard' ? 'LoHa' : 'LoKr'} module: its truncation is not a LoRA pair written here` } };
  if (module.partial)
    return { module, skipped: { module, structured: false, reason: `its factors are only part of ΔW (${module.partial} is left out): a pair written from them would drop it` } };
  if (f.A.block || f.B.block) return { module, skipped: { module, structured: false, reason: 'one expert of stacked factors: the stack is written whole or not at all' } };
  if (isDerived(f.A) || isDerived(f.B))
    return {
      module,
      skipped: { module, structured: false, reason: 'its factors are stored quantized, windowed or scaled (mlx quantized LoRA, VeRA): a plain pair is not written in their place' },
    };
  if (!isUsableScale(module.scale)) return { module, skipped: { module, structured: false, reason: `its scale ${module.scaleRule}` } };
  try {
    return { module, factors: f, data: await readLowRank(file, f, backend.input, workspace) };
  } catch (error) {
    if (!isModuleNumericFailure(error)) throw error;
    return { module, skipped: { module, structured: false, reason: error.message } };
  }
}

/**
 * Each item of a finished batch as a resizable or a skipped module. When the batch's call fails
 * on one module's data, every module is redone on its own, so only the broken one is skipped;
 * a backend that took the buffers over (a worker) no longer has them, and the whole batch is
 * skipped with the reason.
 */
async function finished(batch: Batch, backend: ComputeBackend, token?: CancellationToken): Promise<(ResizableModule | SkippedModule)[]> {
  let R: Matrix[] | null;
  try {
    R = await batch.R;
  } catch (error) {
    if (!isModuleNumericFailure(error)) throw error;
    if (backend.allocator) return batch.items.map((item) => item.skipped ?? { module: item.module, structured: false, reason: error.message });
    R = null;
  }
  const out: (ResizableModule | SkippedModule)[] = [];
  let offset = 0;
  for (const item of batch.items) {
    const { module, factors, data } = item;
    if (!factors || !data) {
      out.push(item.skipped as SkippedModule);
      continue;
    }
    try {
      const [RB, RA] = R ? R.slice(offset, offset + 2) : await backend.triangularFactors([data.B, data.At], token);
      out.push({ module, factors, basis: truncationBasis(RB, RA, data.M, module.scale, module.shape) });
    } catch (error) {
      if (!isModuleNumericFailure(error)) throw error;
      out.push({ module, structured: false, reason: (error as Error).message });
    }
    offset += 2;
  }
  return out;
}

/** The allocator's view of the prepared modules. */
export function rankInputs(prepared: PreparedAdapter): RankInput[] {
  return prepared.modules.map((p) => ({ name: p.module.name, shape: p.module.shape, rank: p.module.rank, sigma: p.basis.sigma }));
}
