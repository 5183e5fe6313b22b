import type { Adapter, AdaptedModule, LowRankFactors } from '../adapter/model';
import { throwIfCancelled, type CancellationToken } from '../cancellation';
import { ModuleDataError, readLowRank, type LowRankData } from '../analysis/factors';
import { householderR } from '../linalg/householder';
import type { Matrix } from '../linalg/matrix';
import type { SafetensorsFile } from '../safetensors/reader';
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

/**
 * Pass one of a resize: every low-rank module's exact spectrum and the small maps that turn its
 * factors into truncated ones (truncate.ts), from one read of its factors in float64. LoHa and
 * LoKr modules, stacked expert slices and modules whose factors cannot be read (NaN, missing
 * tensors) are listed as skipped with their reason. Progress counts modules.
 */
export async function prepareAdapter(file: SafetensorsFile, adapter: Adapter, token?: CancellationToken, onProgress?: (done: number, total: number) => void): Promise<PreparedAdapter> {
  const modules: ResizableModule[] = [];
  const skipped: SkippedModule[] = [];
  const total = adapter.modules.length;
  for (let i = 0; i < total; i++) {
    throwIfCancelled(token);
    const module = adapter.modules[i];
    const f = module.factors;
    if (!f) skipped.push({ module, structured: false, reason: module.warnings.join('; ') || 'its factors are missing' });
    else if (f.type !== 'lowRank') skipped.push({ module, structured: true, reason: `${f.type === 'hadamard' ? 'LoHa' : 'LoKr'} module: its truncation is not a LoRA pair written here` });
    else if (f.A.block || f.B.block) skipped.push({ module, structured: false, reason: 'one expert of stacked factors: the stack is written whole or not at all' });
    else {
      try {
        const data = await readLowRank(file, f, 'float64-wide');
        modules.push({ module, factors: f, basis: basisOfData(data, module) });
      } catch (error) {
        if (!(error instanceof ModuleDataError || error instanceof RangeError)) throw error;
        skipped.push({ module, structured: false, reason: error.message });
      }
    }
    onProgress?.(i + 1, total);
  }
  return { modules, skipped };
}

function basisOfData(data: LowRankData, module: AdaptedModule): TruncationBasis {
  const B: Matrix = { rows: data.B.rows, cols: data.B.cols, data: data.B.values as Float64Array };
  const At: Matrix = { rows: data.At.rows, cols: data.At.cols, data: data.At.values as Float64Array };
  return truncationBasis(householderR(B), householderR(At), data.M, module.scale, module.shape);
}

/** The allocator's view of the prepared modules. */
export function rankInputs(prepared: PreparedAdapter): RankInput[] {
  return prepared.modules.map((p) => ({ name: p.module.name, shape: p.module.shape, rank: p.module.rank, sigma: p.basis.sigma }));
}
