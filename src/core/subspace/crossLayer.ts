import type { OpenedAdapter } from '../adapter/load';
import type { AdaptedModule } from '../adapter/model';
import { placeOf } from '../adapter/place';
import { throwIfCancelled, type CancellationToken } from '../cancellation';
import { transposeMultiply, type Matrix } from '../linalg/matrix';
import { readBasis, type SubspaceBasis } from './bases';
import { phiAt, randomPhi } from './phi';

/** Layer × layer similarity of one module type (all of one m×n shape) within one adapter. */
export interface CrossLayerGroup {
  /** As placeOf reads it: `self_attn.q_proj`, `attention.self.query`, `attn1_to_q`. */
  readonly moduleType: string;
  readonly shape: readonly [number, number];
  /** The modules, in adapter order (L of them): row and column i of each map. */
  readonly layers: readonly string[];
  /** The k of the φ maps: the smallest rank in the group, capped by the numerical ranks. */
  readonly k: number;
  /** φ(k, k) between column spaces (L×L, symmetric, column-major, 1 on the diagonal). */
  readonly column: Matrix;
  /** φ(k, k) between row spaces. */
  readonly row: Matrix;
  /** cos(ΔW_i, ΔW_j) (L×L); NaN where either ΔW is exactly zero. */
  readonly cosine: Matrix;
  /**
   * E[φ(k, k)] for independent uniformly random k-dimensional subspaces: k/m for columns, k/n
   * for rows (randomPhi). Values near these mean no more shared than chance.
   */
  readonly random: { readonly column: number; readonly row: number };
}

export interface CrossLayerMaps {
  /** Groups of two or more layers, in order of their first module. */
  readonly groups: readonly CrossLayerGroup[];
  /** Modules left out (no layer index, alone in their group, LoHa/LoKr, broken data), with why. */
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
}

/**
 * Cross-layer maps of one adapter (DESIGN.md §4, "layers of one adapter"; CondLoRA's question of
 * how alike the layers are): modules are grouped by module type and shape, each module's
 * orthonormal bases computed once, and every pair compared through the overlaps X_iᵀX_j and
 * Y_iᵀY_j (O((m + n)·r²) a pair, no QR of stacked bases: distances are not needed here).
 * Cosine from ⟨ΔW_i, ΔW_j⟩ = Σ σ_a·σ'_b·(X_iᵀX_j)_ab·(Y_iᵀY_j)_ab, as in compareBases.
 */
export async function crossLayerMaps(opened: OpenedAdapter, options: { readonly token?: CancellationToken } = {}): Promise<CrossLayerMaps> {
  const skipped: { name: string; reason: string }[] = [];
  const groups = new Map<string, { moduleType: string; modules: AdaptedModule[] }>();
  for (const module of opened.adapter.modules) {
    const place = placeOf(module.name);
    if (place.block === null) {
      skipped.push({ name: module.name, reason: 'no layer index in its name' });
      continue;
    }
    const key = `${place.moduleType}|${module.shape.join('×')}|${module.kind}`;
    const group = groups.get(key) ?? { moduleType: place.moduleType, modules: [] };
    group.modules.push(module);
    groups.set(key, group);
  }
  const result: CrossLayerGroup[] = [];
  for (const { moduleType, modules } of groups.values()) {
    const bases: { name: string; basis: SubspaceBasis; rank: number }[] = [];
    for (const module of modules) {
      throwIfCancelled(options.token);
      const read = await readBasis(opened.file, module);
      if ('reason' in read) skipped.push({ name: module.name, reason: read.reason });
      else bases.push({ name: module.name, basis: read.basis, rank: module.rank });
    }
    if (bases.length < 2) {
      for (const b of bases) skipped.push({ name: b.name, reason: `the only ${moduleType} module of its shape` });
      continue;
    }
    result.push(layerGroup(moduleType, bases));
  }
  return { groups: result, skipped };
}

/** The maps of one group of same-shape bases, in the order given; `rank` is each module's trained r. */
export function layerGroup(moduleType: string, entries: readonly { name: string; basis: SubspaceBasis; rank: number }[]): CrossLayerGroup {
  const L = entries.length;
  const [m, n] = entries[0].basis.shape;
  const k = Math.min(...entries.map((e) => Math.min(e.rank, e.basis.rank)));
  const column = new Float64Array(L * L);
  const row = new Float64Array(L * L);
  const cosine = new Float64Array(L * L);
  for (let i = 0; i < L; i++) {
    const a = entries[i].basis;
    const zero = a.norm === 0;
    column[i * L + i] = row[i * L + i] = zero ? NaN : 1;
    cosine[i * L + i] = zero ? NaN : 1;
    for (let j = i + 1; j < L; j++) {
      const b = entries[j].basis;
      const C = transposeMultiply(a.X, b.X);
      const D = transposeMultiply(a.Y, b.Y);
      column[j * L + i] = column[i * L + j] = phiAt(C, k);
      row[j * L + i] = row[i * L + j] = phiAt(D, k);
      let inner = 0;
      for (let q = 0; q < C.cols; q++) for (let p = 0; p < C.rows; p++) inner += a.sigma[p] * b.sigma[q] * C.data[q * C.rows + p] * D.data[q * C.rows + p];
      const c = a.norm > 0 && b.norm > 0 ? Math.max(-1, Math.min(1, inner / a.norm / b.norm)) : NaN;
      cosine[j * L + i] = cosine[i * L + j] = c;
    }
  }
  const square = (data: Float64Array): Matrix => ({ rows: L, cols: L, data });
  return {
    moduleType,
    shape: [m, n],
    layers: entries.map((e) => e.name),
    k,
    column: square(column),
    row: square(row),
    cosine: square(cosine),
    random: { column: randomPhi(k, k, m), row: randomPhi(k, k, n) },
  };
}
