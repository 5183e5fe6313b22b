import { openAdapter } from '../src/core/adapter/load';
import { finishLowRank } from '../src/core/analysis/spectrum';
import { Workspace } from '../src/core/analysis/workspace';
import type { PairOverlap, TallFactor } from '../src/core/compute/backend';
import { OrtBackend } from '../src/core/compute/ort/ortBackend';
import type { Matrix } from '../src/core/linalg/matrix';
import { matchModules } from '../src/core/subspace/match';
import { factorPairs, finishPair, readSide, type ComparedSide } from '../src/core/subspace/modulePair';

/**
 * Where a comparison's time goes, phase by phase, each run alone on this thread with ORT on one
 * thread (as the worker runs it), in CPU seconds (other processes' load does not count), beside
 * the same phases of analysing adapter A. In the worker the reads and the finishing run on one
 * thread and the ORT products on the other, overlapped: a job's time is about the larger of the two.
 */
export async function comparePhases(pathA: string, pathB: string): Promise<Record<string, number>> {
  const [a, b] = [await openAdapter(pathA), await openAdapter(pathB)];
  const backend = new OrtBackend('cpu', 1);
  try {
    await backend.warmUp();
    const pairs = matchModules(a.adapter.modules, b.adapter.modules).pairs;
    const best: Record<string, number> = {};
    // The best of three: the first warms the sessions and the JIT.
    for (let run = 0; run < 3; run++) {
      const workspace = new Workspace();
      const read = await cpu(async () => {
        for (const p of pairs) {
          workspace.reset();
          await readSide(a.file, p.a, 'stored', workspace);
          await readSide(b.file, p.b, 'stored', workspace);
        }
      });
      // Again, untimed, into buffers of their own to keep.
      const sides: [ComparedSide, ComparedSide][] = [];
      for (const p of pairs) {
        const [x, y] = [await readSide(a.file, p.a, 'stored', new Workspace()), await readSide(b.file, p.b, 'stored', new Workspace())];
        if ('reason' in x || 'reason' in y) throw new Error(`${p.a.name} cannot be compared`);
        sides.push([x, y]);
      }
      let overlaps: PairOverlap[] = [];
      const products = await cpu(async () => {
        overlaps = await batched(
          sides.flatMap(([x, y]) => factorPairs(x, y)),
          (batch) => backend.pairOverlaps(batch),
          (p) => p.first.values.byteLength + p.second.values.byteLength,
        );
      });
      const finish = await cpu(async () => sides.forEach(([x, y], i) => finishPair(x, y, overlaps[2 * i], overlaps[2 * i + 1], {})));
      let R: Matrix[] = [];
      const analysisProducts = await cpu(async () => {
        R = await batched(
          sides.flatMap(([x]) => [x.data.B, x.data.At]),
          (batch) => backend.triangularFactors(batch),
          (f: TallFactor) => f.values.byteLength,
        );
      });
      const analysisFinish = await cpu(async () => sides.forEach(([x], i) => finishLowRank(R[2 * i], R[2 * i + 1], x.data.M, x.scale)));
      const phases = { read, products, finish, analysisProducts, analysisFinish };
      for (const [k, v] of Object.entries(phases)) best[k] = Math.min(best[k] ?? Infinity, v);
    }
    return { ...best, fallbacks: backend.report().fallbacks ?? 0 };
  } finally {
    await backend.dispose();
    await a.file.close();
    await b.file.close();
  }
}

/** CPU seconds of this process while `f` runs. */
async function cpu(f: () => Promise<void>): Promise<number> {
  const start = process.cpuUsage();
  await f();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/** Calls `run` on batches of about 16 MB, as the worker batches, and concatenates the answers. */
async function batched<T, R>(items: readonly T[], run: (batch: T[]) => Promise<R[]>, bytes: (item: T) => number): Promise<R[]> {
  const out: R[] = [];
  let batch: T[] = [];
  let size = 0;
  for (const item of items) {
    batch.push(item);
    size += bytes(item);
    if (size >= 16 * 1024 * 1024) {
      out.push(...(await run(batch)));
      [batch, size] = [[], 0];
    }
  }
  if (batch.length > 0) out.push(...(await run(batch)));
  return out;
}
