import type { OpenedAdapter } from '../adapter/load';
import { throwIfCancelled, type CancellationToken } from '../cancellation';
import { readBasis } from './bases';
import { compareBases, type BasisComparison } from './similarity';
import { matchModules, type ModulePair, type UnmatchedModule } from './match';

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
  readonly token?: CancellationToken;
  readonly onProgress?: (done: number, total: number, module: string) => void;
}

/**
 * Compares two adapters module by module (DESIGN.md §4): modules are matched by the base module
 * they adapt (matchModules), each pair's factors are read, turned into orthonormal bases
 * (basisOf) and compared (compareBases). Nothing of size m×n is formed; one pair's factors are
 * in memory at a time. Modules that cannot be compared are listed in `unmatched`; only I/O
 * failures of the files themselves and cancellation throw.
 */
export async function compareAdapters(a: OpenedAdapter, b: OpenedAdapter, options: CompareOptions = {}): Promise<AdapterComparison> {
  const matching = matchModules(a.adapter.modules, b.adapter.modules);
  const unmatched = [...matching.unmatched];
  const modules: ModuleComparison[] = [];
  const grids = new Set(options.grids ?? []);
  let done = 0;
  for (const pair of matching.pairs) {
    throwIfCancelled(options.token);
    const [ra, rb] = [await readBasis(a.file, pair.a), await readBasis(b.file, pair.b)];
    throwIfCancelled(options.token);
    if ('reason' in ra || 'reason' in rb) {
      const reason = [('reason' in ra ? `A: ${ra.reason}` : ''), ('reason' in rb ? `B: ${rb.reason}` : '')].filter(Boolean).join('; ');
      unmatched.push({ side: 'both', name: pair.a.name, nameB: pair.b.name, reason });
    } else {
      const k = options.k === undefined ? undefined : Math.min(options.k, ra.basis.sigma.length, rb.basis.sigma.length);
      const comparison = compareBases(ra.basis, rb.basis, { ...(k === undefined ? {} : { k }), grid: grids.has(pair.a.name) });
      modules.push({ name: pair.a.name, nameB: pair.b.name, shape: pair.a.shape, ranks: [pair.a.rank, pair.b.rank], matchedBy: pair.matchedBy, ...comparison });
    }
    options.onProgress?.(++done, matching.pairs.length, pair.a.name);
  }
  return { modules, unmatched };
}
