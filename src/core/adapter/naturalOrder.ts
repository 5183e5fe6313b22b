/**
 * Orders names the way people count: runs of digits by value, so `layers.2` comes before
 * `layers.10` (writers store keys in plain string order). Keys are split once per name, not
 * once per comparison: with hundreds of modules that is most of the sorting time.
 */
export function sortNatural<T>(items: readonly T[], name: (item: T) => string): T[] {
  const keyed = items.map((item) => ({ item, parts: name(item).split(/(\d+)/) }));
  keyed.sort((a, b) => compareParts(a.parts, b.parts));
  return keyed.map((k) => k.item);
}

function compareParts(pa: readonly string[], pb: readonly string[]): number {
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    // Odd positions of a split on a capturing group are the digit runs.
    if (i % 2 === 1) {
      const diff = Number(x) - Number(y);
      if (diff !== 0) return diff;
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}
