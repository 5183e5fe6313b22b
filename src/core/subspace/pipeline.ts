import { Workspace } from '../analysis/workspace';
import { throwIfCancelled, type CancellationToken } from '../cancellation';
import type { ComputeBackend, FactorPair, PairOverlap } from '../compute/backend';

/** One unit of work as read: what to finish it with, and the factor pairs it sends to the backend. */
export interface ReadItem<T> {
  readonly item: T;
  readonly pairs: readonly FactorPair[];
}

/** A batch of units read together, and the backend's overlaps for it (in flight). */
interface Batch<T> {
  readonly items: readonly ReadItem<T>[];
  readonly overlaps: Promise<PairOverlap[]>;
}

/**
 * Runs `count` units through the backend's pairOverlaps as the analysis runs modules through
 * triangularFactors: units are read in batches of about the backend's batch size (a device
 * backend stacks equal shapes into one run), the next batch is read while the backend works on
 * the current one, and each unit is finished, in order, with the overlaps of its own pairs.
 * Two workspaces alternate, so a batch's buffers are never reused while the backend holds them.
 * The token is checked between units; a rejected batch throws when it is finished.
 */
export async function pipelinePairs<T>(
  count: number,
  backend: ComputeBackend,
  read: (index: number, workspace: Workspace) => Promise<ReadItem<T>>,
  finish: (item: T, overlaps: readonly PairOverlap[]) => void,
  token?: CancellationToken,
): Promise<void> {
  const workspaces = [new Workspace(backend.allocator), new Workspace(backend.allocator)];
  let next = 0;
  let batches = 0;
  let pending: Batch<T> | null = null;
  while (next < count || pending) {
    throwIfCancelled(token);
    let current: Batch<T> | null = null;
    if (next < count) {
      const workspace = workspaces[batches++ % 2];
      workspace.reset();
      const items: ReadItem<T>[] = [];
      const buffers = new Set<ArrayBufferLike>();
      let bytes = 0;
      do {
        const unit = await read(next++, workspace);
        throwIfCancelled(token);
        items.push(unit);
        for (const p of unit.pairs) {
          for (const f of [p.first, p.second]) {
            // A factor shared by several pairs (the final checkpoint's) counts once.
            if (!buffers.has(f.values.buffer)) bytes += f.values.byteLength;
            buffers.add(f.values.buffer);
          }
        }
      } while (next < count && bytes < backend.batchBytes);
      const pairs = items.flatMap((i) => i.pairs);
      current = { items, overlaps: pairs.length > 0 ? backend.pairOverlaps(pairs, token) : Promise.resolve([]) };
      // A rejection is handled when the batch is finished; don't let it count as unhandled meanwhile.
      current.overlaps.catch(() => {});
    }
    if (pending) {
      const overlaps = await pending.overlaps;
      let offset = 0;
      for (const { item, pairs } of pending.items) {
        finish(item, overlaps.slice(offset, offset + pairs.length));
        offset += pairs.length;
      }
    }
    pending = current;
  }
}
