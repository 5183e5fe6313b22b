import type { Adapter } from './model';

/** Factor bytes an analysis of `adapter` reads: what the backend choice depends on. */
export function factorBytes(adapter: Adapter): number {
  let total = 0;
  for (const m of adapter.modules) {
    for (const name of Object.values(m.tensors)) {
      const t = adapter.header.byName.get(name);
      if (t) total += t.end - t.start;
    }
  }
  return total;
}
