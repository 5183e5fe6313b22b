import type { OpenedAdapter } from '../adapter/load';
import type { AdaptedModule } from '../adapter/model';
import { placeOf } from '../adapter/place';
import { throwIfCancelled, type CancellationToken } from '../cancellation';
import type { ComputeBackend } from '../compute/backend';
import { transposeMultiply, type Matrix } from '../linalg/matrix';
import { readBasis, type SubspaceBasis } from './bases';
import { groupsOnBackend } from './crossLayerBackend';
import type { CrossLayerGroup, ModuleGroup } from './crossLayerGroup';
import { groupMaps, onlyOne } from './layerMaps';

export interface CrossLayerMaps {
  /** Groups of two or more layers, in order of their first module. */
  readonly groups: readonly CrossLayerGroup[];
  /** Modules left out (no layer index, alone in their group, LoHa/LoKr, broken data), with why. */
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
}

/**
 * Cross-layer maps of one adapter (docs/design.md §4, "layers of one adapter"; CondLoRA's question of
 * how alike the layers are): modules are grouped by module type and shape, each module's
 * orthonormal bases computed once, and every pair compared through the overlaps X_iᵀX_j and
 * Y_iᵀY_j (O((m + n)·r²) a pair, no QR of stacked bases: distances are not needed here).
 * Cosine from ⟨ΔW_i, ΔW_j⟩ = Σ σ_a·σ'_b·(X_iᵀX_j)_ab·(Y_iᵀY_j)_ab, as in compareBases.
 *
 * With a `backend`, the tall work runs as its groupOverlaps (crossLayerBackend.ts: one Gram of
 * all a type's orthonormal bases side by side, on the device for onnxruntime) and only r-sized
 * work stays here; without one, every basis is formed here in float64 TypeScript (small
 * adapters, where starting a device costs more than it saves). Both give the same maps to
 * rounding.
 */
export async function crossLayerMaps(opened: OpenedAdapter, options: { readonly token?: CancellationToken; readonly backend?: ComputeBackend } = {}): Promise<CrossLayerMaps> {
  const { groups, skipped } = moduleGroups(opened);
  if (options.backend) return { groups: await groupsOnBackend(opened, groups, options.backend, skipped, options.token), skipped };
  const result: CrossLayerGroup[] = [];
  for (const { moduleType, modules } of groups) {
    const bases: { name: string; basis: SubspaceBasis; rank: number }[] = [];
    for (const module of modules) {
      throwIfCancelled(options.token);
      const read = await readBasis(opened.file, module);
      if ('reason' in read) skipped.push({ name: module.name, reason: read.reason });
      else bases.push({ name: module.name, basis: read.basis, rank: module.rank });
    }
    if (bases.length < 2) {
      for (const b of bases) skipped.push({ name: b.name, reason: onlyOne(moduleType) });
      continue;
    }
    result.push(layerGroup(moduleType, bases));
  }
  return { groups: result, skipped };
}

/** Groups the adapter's modules by module type, shape and kind; modules without a layer index are skipped. */
function moduleGroups(opened: OpenedAdapter): { groups: ModuleGroup[]; skipped: { name: string; reason: string }[] } {
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
  return { groups: [...groups.values()], skipped };
}

/** The maps of one group of same-shape bases, in the order given; `rank` is each module's trained r. */
function layerGroup(moduleType: string, entries: readonly { name: string; basis: SubspaceBasis; rank: number }[]): CrossLayerGroup {
  const overlaps = (i: number, j: number): [Matrix, Matrix] => {
    const [a, b] = [entries[i].basis, entries[j].basis];
    return [transposeMultiply(a.X, b.X), transposeMultiply(a.Y, b.Y)];
  };
  return groupMaps(
    moduleType,
    entries.map((e) => ({ name: e.name, trained: e.rank, ...e.basis })),
    overlaps,
  );
}
