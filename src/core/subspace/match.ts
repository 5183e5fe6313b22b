import type { AdaptedModule } from '../adapter/model';
import { canonicalComponent } from '../adapter/moduleNames';
import { expandFused } from './fusedSplit';
import { baseModuleKey } from './names';

/** Two modules, one from each adapter, that adapt the same base module with the same shape. */
export interface ModulePair {
  readonly a: AdaptedModule;
  readonly b: AdaptedModule;
  /** `exact`: same component and path; `loose`: same path once `model.` wrappers are dropped. */
  readonly matchedBy: 'exact' | 'loose';
}

/** A module left out of a comparison, and why (never an exception). */
export interface UnmatchedModule {
  /** Which adapter the module is in; `both` for a pair that could not be compared. */
  readonly side: 'a' | 'b' | 'both';
  /** The module's name in its adapter (in A for `both`). */
  readonly name: string;
  /** The name in B, for `both`. */
  readonly nameB?: string;
  readonly reason: string;
}

export interface ModuleMatching {
  /** In A's module order. */
  readonly pairs: readonly ModulePair[];
  readonly unmatched: readonly UnmatchedModule[];
}

/**
 * Pairs the modules of two adapters by the base module they adapt (names.ts): first by the exact
 * key, then, among the rest, by the loose key where it is unique on both sides and at least one
 * side names no component (a component on both sides that differs is a different module). A
 * pair whose kinds or shapes differ is listed as unmatched with both shapes; so is a module
 * whose key another module of its adapter shares, and any module with no partner.
 */
export function matchModules(fusedA: readonly AdaptedModule[], fusedB: readonly AdaptedModule[]): ModuleMatching {
  // A fused FLUX weight adapted whole in one adapter and by slices in the other is compared as slices.
  const a = expandFused(fusedA, fusedB);
  const b = expandFused(fusedB, fusedA);
  const unmatched: UnmatchedModule[] = [];
  const keyed = (modules: readonly AdaptedModule[], side: 'a' | 'b') => {
    const byKey = new Map<string, AdaptedModule[]>();
    for (const m of modules) {
      const key = baseModuleKey(m.name).key;
      byKey.set(key, [...(byKey.get(key) ?? []), m]);
    }
    const unique = new Map<string, AdaptedModule>();
    for (const [key, list] of byKey) {
      if (list.length === 1) unique.set(key, list[0]);
      else
        for (const m of list)
          unmatched.push({
            side,
            name: m.name,
            reason: `${list.length} modules of ${side === 'a' ? 'A' : 'B'} adapt the same base module (${list.map((x) => x.name).join(', ')})`,
          });
    }
    return unique;
  };
  const keysA = keyed(a, 'a');
  const keysB = keyed(b, 'b');
  const found = new Map<AdaptedModule, { b: AdaptedModule; matchedBy: ModulePair['matchedBy'] }>();
  const usedB = new Set<AdaptedModule>();
  for (const [key, ma] of keysA) {
    const mb = keysB.get(key);
    if (!mb) continue;
    found.set(ma, { b: mb, matchedBy: 'exact' });
    usedB.add(mb);
  }
  const looseIndex = (modules: Map<string, AdaptedModule>, taken: (m: AdaptedModule) => boolean) => {
    const index = new Map<string, AdaptedModule | null>();
    for (const m of modules.values()) {
      if (taken(m)) continue;
      const loose = baseModuleKey(m.name).loose;
      index.set(loose, index.has(loose) ? null : m);
    }
    return index;
  };
  const looseA = looseIndex(keysA, (m) => found.has(m));
  const looseB = looseIndex(keysB, (m) => usedB.has(m));
  for (const [loose, ma] of looseA) {
    const mb = looseB.get(loose);
    if (!ma || !mb) continue;
    const [ca, cb] = [canonicalComponent(baseModuleKey(ma.name).component), canonicalComponent(baseModuleKey(mb.name).component)];
    if (ca !== null && cb !== null && ca !== cb) continue;
    found.set(ma, { b: mb, matchedBy: 'loose' });
    usedB.add(mb);
  }
  const pairs: ModulePair[] = [];
  for (const ma of a) {
    const hit = found.get(ma);
    if (!hit) {
      if (keysA.get(baseModuleKey(ma.name).key) === ma) unmatched.push({ side: 'a', name: ma.name, reason: 'no module of B adapts the same base module' });
      continue;
    }
    const mb = hit.b;
    if (ma.kind !== mb.kind) unmatched.push({ side: 'both', name: ma.name, nameB: mb.name, reason: `kinds differ: ${ma.kind} in A, ${mb.kind} in B` });
    else if (ma.shape[0] !== mb.shape[0] || ma.shape[1] !== mb.shape[1])
      unmatched.push({ side: 'both', name: ma.name, nameB: mb.name, reason: `shapes differ: ${ma.shape.join('×')} in A, ${mb.shape.join('×')} in B` });
    else pairs.push({ a: ma, b: mb, matchedBy: hit.matchedBy });
  }
  for (const mb of b) {
    if (!usedB.has(mb) && keysB.get(baseModuleKey(mb.name).key) === mb) unmatched.push({ side: 'b', name: mb.name, reason: 'no module of A adapts the same base module' });
  }
  return { pairs, unmatched };
}
