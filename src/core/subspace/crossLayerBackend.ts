import type { OpenedAdapter } from '../adapter/load';
import { Workspace } from '../analysis/workspace';
import { throwIfCancelled, type CancellationToken } from '../cancellation';
import type { ComputeBackend, GroupOverlap } from '../compute/backend';
import { groupBlock, groupOffsets } from '../compute/groupOverlaps';
import { multiply, transposeMultiply, type Matrix } from '../linalg/matrix';
import { coreBasis, type CoreBasis } from './bases';
import type { CrossLayerGroup, ModuleGroup } from './crossLayerGroup';
import { groupMaps, onlyOne } from './layerMaps';
import { readSide, type ComparedSide } from './modulePair';

/**
 * The cross-layer maps of each module group with the tall work on `backend`: every module's
 * factors read in the backend's form, one groupOverlaps call per group for the B's and the Aᵀ's
 * (all R's and all Q_iᵀQ_j), then r-sized float64 work per module (the core's SVD, coreBasis)
 * and per pair: X_iᵀX_j = U_iᵀ·(Q_B,iᵀQ_B,j)·U_j and Y_iᵀY_j = V_iᵀ·(Q_A,iᵀQ_A,j)·V_j, which
 * is what crossLayerMaps forms from explicit bases. Modules that cannot be read, or are alone,
 * go to `skipped` with the same reasons. The token is checked between modules.
 */
export async function groupsOnBackend(
  opened: OpenedAdapter,
  groups: readonly ModuleGroup[],
  backend: ComputeBackend,
  skipped: { name: string; reason: string }[],
  token?: CancellationToken,
): Promise<CrossLayerGroup[]> {
  const workspace = new Workspace(backend.allocator);
  const result: CrossLayerGroup[] = [];
  for (const { moduleType, modules } of groups) {
    // The factors of one group live until its overlaps are back and its cores taken.
    workspace.reset();
    const sides: { name: string; trained: number; side: ComparedSide }[] = [];
    for (const module of modules) {
      throwIfCancelled(token);
      const side = await readSide(opened.file, module, backend.input, workspace);
      if ('reason' in side) skipped.push({ name: module.name, reason: side.reason });
      else sides.push({ name: module.name, trained: module.rank, side });
    }
    if (sides.length < 2) {
      for (const s of sides) skipped.push({ name: s.name, reason: onlyOne(moduleType) });
      continue;
    }
    const [columns, rows] = await backend.groupOverlaps([sides.map((s) => s.side.data.B), sides.map((s) => s.side.data.At)], token);
    const cores = sides.map(({ side }, i) => coreBasis(columns.R[i], rows.R[i], side.data.M, side.scale, side.shape));
    const column = projector(columns, cores, (c) => c.U);
    const row = projector(rows, cores, (c) => c.V);
    const entries = sides.map((s, i) => ({ name: s.name, trained: s.trained, ...cores[i] }));
    result.push(groupMaps(moduleType, entries, (i, j) => [column(i, j), row(i, j)]));
  }
  return result;
}

/** (i, j) ↦ W_iᵀ·(Q_iᵀQ_j)·W_j for the cores' singular vectors W (U on the column side, V on the row side). */
function projector(overlap: GroupOverlap, cores: readonly CoreBasis[], vectors: (c: CoreBasis) => Matrix): (i: number, j: number) => Matrix {
  const offsets = groupOffsets(overlap.R);
  return (i, j) => transposeMultiply(vectors(cores[i]), multiply(groupBlock(overlap, offsets, i, j), vectors(cores[j])));
}
