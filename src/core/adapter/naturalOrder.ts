/**
 * Compares names the way people count: runs of digits by value, so `layers.2` comes before
 * `layers.10` (writers store keys in plain string order).
 */
export function naturalCompare(a: string, b: string): number {
  const pa = a.split(/(\d+)/);
  const pb = b.split(/(\d+)/);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] === pb[i]) continue;
    // Odd positions of a split on a capturing group are the digit runs.
    if (i % 2 === 1) {
      const diff = Number(pa[i]) - Number(pb[i]);
      if (diff !== 0) return diff;
    }
    return pa[i] < pb[i] ? -1 : 1;
  }
  return pa.length - pb.length;
}
