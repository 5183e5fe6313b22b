import type { OpenedAdapter } from '../adapter/load';
import type { Workspace } from '../analysis/workspace';
import type { CancellationToken } from '../cancellation';
import type { ComputeBackend, PairOverlap } from '../compute/backend';
import { isModuleNumericFailure } from '../analysis/factorErrors';
import { JsBackend } from '../compute/jsBackend';
import type { BasisComparison } from './similarity';
import { matchModules, type ModulePair, type UnmatchedModule } from './match';
import { factorPairs, finishPair, readSide, type ComparedSide } from './modulePair';
import { pipelinePairs, type ReadItem } from './pipeline';

/** One matched module of two adapters and how their ΔW relate. */
export interface ModuleComparison extends BasisComparison {
  /** The module's name in A. */
  readonly name: string;
  readonly nameB: string;
  readonly shape: readonly [number, number];
  /** Trained ranks r1 and r2. */
  readonly ranks: readonly [number, number];
  readonly matchedBy: ModulePair['matchedBy'];
}

export interface AdapterComparison {
  /** Matched and compared modules, in A's module order. */
  readonly modules: readonly ModuleComparison[];
  /** Modules that could not be compared, with the reason (missing, shape, kind, LoHa/LoKr, data). */
  readonly unmatched: readonly UnmatchedModule[];
}

export interface CompareOptions {
  /** Principal angles over the top k; default min(r1, r2, 8), capped by the numerical ranks. */
  readonly k?: number;
  /** Module names (in A) to also compute the φ(i, j) grids for. */
  readonly grids?: readonly string[];
  /** Where the tall products run (pairOverlaps); default the pure TypeScript backend. */
  readonly backend?: ComputeBackend;
  readonly token?: CancellationToken;
  readonly onProgress?: (done: number, total: number, module: string) => void;
}

/**
 * Compares two adapters module by module (docs/design.md §4): modules are matched by the base module
 * they adapt (matchModules); each pair's factors are read and sent to the backend, which returns
 * the R's of B1, B2, A1ᵀ, A2ᵀ and the overlaps of their orthonormal bases (pairOverlaps); each
 * module's comparison is then r-sized work (finishPair). Nothing of size m×n is formed. Pairs
 * are read in batches while the backend works on the previous one (pipelinePairs), so a device
 * backend stacks all the q_proj of both adapters into one run. Modules that cannot be compared
 * are listed in `unmatched`; only I/O failures of the files themselves and cancellation throw.
 */
export async function compareAdapters(a: OpenedAdapter, b: OpenedAdapter, options: CompareOptions = {}): Promise<AdapterComparison> {
  const backend: ComputeBackend = options.backend ?? new JsBackend();
  const matching = matchModules(a.adapter.modules, b.adapter.modules);
  const pairs = matching.pairs;
  const unmatched = [...matching.unmatched];
  const modules: ModuleComparison[] = [];
  const grids = new Set(options.grids ?? []);
  let done = 0;
  type Item = { readonly pair: ModulePair; readonly sides: readonly [ComparedSide, ComparedSide] | { readonly reason: string } };
  const read = async (index: number, workspace: Workspace): Promise<ReadItem<Item>> => {
    const pair = pairs[index];
    const sa = await readSide(a.file, pair.a, backend.input, workspace);
    const sb = await readSide(b.file, pair.b, backend.input, workspace);
    if (!('reason' in sa) && !('reason' in sb)) return { item: { pair, sides: [sa, sb] }, pairs: factorPairs(sa, sb) };
    const reason = ['reason' in sa ? `A: ${sa.reason}` : '', 'reason' in sb ? `B: ${sb.reason}` : ''].filter(Boolean).join('; ');
    return { item: { pair, sides: { reason } }, pairs: [] };
  };
  const finish = ({ pair, sides }: Item, [columns, rows]: readonly PairOverlap[]): void => {
    if ('reason' in sides) unmatched.push({ side: 'both', name: pair.a.name, nameB: pair.b.name, reason: sides.reason });
    else {
      try {
        const comparison = finishPair(sides[0], sides[1], columns, rows, { ...(options.k === undefined ? {} : { k: options.k }), grid: grids.has(pair.a.name) });
        modules.push({ name: pair.a.name, nameB: pair.b.name, shape: pair.a.shape, ranks: [pair.a.rank, pair.b.rank], matchedBy: pair.matchedBy, ...comparison });
      } catch (error) {
        // One pair whose numbers fail (an SVD that did not converge, NaN met late) is listed with the reason; the others go on.
        if (!isModuleNumericFailure(error)) throw error;
        unmatched.push({ side: 'both', name: pair.a.name, nameB: pair.b.name, reason: `its numbers cannot be computed: ${error.message}` });
      }
    }
    options.onProgress?.(++done, pairs.length, pair.a.name);
  };
  await pipelinePairs(pairs.length, backend, read, finish, options.token);
  return { modules, unmatched };
}
