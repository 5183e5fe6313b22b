import { codePointsOf, compileKey, matchKey, type CompiledKey, type StepBudget } from './keyMatcher';

/**
 * PEFT's `rank_pattern` / `alpha_pattern` lookup (`get_pattern_key`). A pattern key is a
 * regular expression that must match a whole trailing run of dotted name parts of the module's
 * name inside the base model (e.g. `model.layers.3.self_attn.q_proj`): PEFT tests
 * `re.match(rf"(.*\.)?({key})$", name)`, so `q_proj` matches every q_proj and
 * `layers.3.self_attn.q_proj` matches one. The first key in the config's order that matches
 * wins, as in PEFT. Keys come from a file, so they are matched by the bounded engine of
 * `keyMatcher.ts`; a key it refuses matches nothing (its modules keep the config's r or α).
 */
export interface PatternMatch {
  readonly key: string;
  readonly value: number;
}

/** More keys than this and the whole map is ignored: PEFT writes at most one per module. */
export const MAX_PATTERN_KEYS = 4096;
/**
 * Steps (NFA states visited) one map may spend over all modules of an adapter. Typical maps
 * spend a few thousand; this is far above any real one and keeps the worst case under half a
 * second.
 */
export const MAX_PATTERN_STEPS = 16_000_000;
/** Refused keys named one by one per map; the rest are counted. */
const MAX_NAMED_REFUSALS = 5;
/** Keys are quoted in warnings up to this many characters. */
const QUOTED_KEY_LENGTH = 80;

interface Entry {
  readonly key: string;
  readonly compiled: CompiledKey;
  readonly value: number;
  /** Place in the config's order. */
  readonly index: number;
}

/** Plain keys of one length and one set of wildcard offsets, by their text. */
interface PlainGroup {
  readonly length: number;
  readonly wildcards: readonly number[];
  readonly indices: Map<string, number>;
}

/** Names with a newline or astral characters take the general path (Python counts code points). */
const UNORDINARY = /[\n\uD800-\uDFFF]/;

/** A config's pattern map, compiled; matching pushes a warning once if the step budget runs out. */
export class PatternTable {
  private readonly budget: StepBudget = { left: MAX_PATTERN_STEPS };
  private exhausted = false;
  /** Keys that are module paths (most keys): matched by a lookup per group instead of one by one. */
  private readonly groups = new Map<string, PlainGroup>();
  /** The other keys, in the config's order. */
  private readonly others: readonly Entry[];

  constructor(
    private readonly field: string,
    private readonly entries: readonly Entry[],
    private readonly warnings: string[],
    private readonly fallback: string,
  ) {
    const others: Entry[] = [];
    for (const entry of entries) {
      const plain = entry.compiled.plain;
      if (!plain) {
        others.push(entry);
        continue;
      }
      const id = `${plain.text.length}:${plain.wildcards.join(',')}`;
      let group = this.groups.get(id);
      if (!group) this.groups.set(id, (group = { length: plain.text.length, wildcards: plain.wildcards, indices: new Map() }));
      if (!group.indices.has(plain.text)) group.indices.set(plain.text, entry.index);
    }
    this.others = others;
  }

  /** Steps spent so far (for tests that check the bound). */
  get steps(): number {
    return MAX_PATTERN_STEPS - Math.max(0, this.budget.left);
  }

  /** The pattern entry that applies to a module name, or undefined. */
  match(moduleName: string): PatternMatch | undefined {
    if (this.entries.length === 0 || this.exhausted) return undefined;
    const ordinary = !UNORDINARY.test(moduleName);
    const plainHit = ordinary ? this.plainMatch(moduleName) : Infinity;
    if (plainHit === null) return this.exhaust(moduleName);
    let name: Int32Array | null = null;
    for (const entry of ordinary ? this.others : this.entries) {
      if (entry.index > plainHit) break;
      name ??= codePointsOf(moduleName);
      const hit = matchKey(entry.compiled, name, this.budget);
      if (hit === null) return this.exhaust(moduleName);
      if (hit) return { key: entry.key, value: entry.value };
    }
    const entry = this.entries[plainHit];
    return entry && { key: entry.key, value: entry.value };
  }

  /**
   * The first plain key matching a name without newlines or astral characters (Infinity when
   * none; null when the budget ran out). A plain key of length L can only match the name's last
   * L characters; with the name's characters at the key's wildcards written as ".", a match is
   * a lookup.
   */
  private plainMatch(name: string): number | null {
    let best = Infinity;
    for (const group of this.groups.values()) {
      const start = name.length - group.length;
      if (start < 0 || (start > 0 && name.charCodeAt(start - 1) !== 46)) continue;
      this.budget.left -= group.length + 1;
      if (this.budget.left < 0) return null;
      let text = name.slice(start);
      if (group.wildcards.length > 0) {
        const chars = text.split('');
        for (const i of group.wildcards) chars[i] = '.';
        text = chars.join('');
      }
      const index = group.indices.get(text);
      if (index !== undefined && index < best) best = index;
    }
    return best;
  }

  private exhaust(moduleName: string): undefined {
    this.exhausted = true;
    this.warnings.push(
      `${this.field}: matching its keys took more than ${MAX_PATTERN_STEPS} steps; stopped at module ${quote(moduleName)}; it and every later module keep ${this.fallback}`,
    );
    return undefined;
  }
}

/**
 * Compiles a config's pattern map (`field` names it in warnings; `fallback` says what a module
 * keeps when no key applies). Non-numeric values are skipped silently (AdaLoRA's rank_pattern
 * holds boolean masks); refused keys and oversized maps are warned about in `warnings`.
 */
export function compilePatterns(pattern: unknown, field: string, fallback: string, warnings: string[]): PatternTable {
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) return new PatternTable(field, [], warnings, fallback);
  const map = pattern as Record<string, unknown>;
  let count = 0;
  for (const key in map) {
    if (Object.prototype.hasOwnProperty.call(map, key) && ++count > MAX_PATTERN_KEYS) {
      warnings.push(`${field} has more than ${MAX_PATTERN_KEYS} keys; it is ignored and every module keeps ${fallback}`);
      return new PatternTable(field, [], warnings, fallback);
    }
  }
  const entries: Entry[] = [];
  let refused = 0;
  for (const key of Object.keys(map)) {
    const value = map[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    const compiled = compileKey(key);
    if (compiled.ok) {
      entries.push({ key, compiled: compiled.key, value, index: entries.length });
      continue;
    }
    if (++refused <= MAX_NAMED_REFUSALS) warnings.push(`${field} key ${quote(key)} is not used: ${compiled.reason}; the modules it would name keep ${fallback}`);
  }
  if (refused > MAX_NAMED_REFUSALS) warnings.push(`${field}: ${refused - MAX_NAMED_REFUSALS} more keys are not used (unsupported or too long patterns)`);
  return new PatternTable(field, entries, warnings, fallback);
}

function quote(text: string): string {
  return JSON.stringify(text.length > QUOTED_KEY_LENGTH ? `${text.slice(0, QUOTED_KEY_LENGTH)}…` : text);
}
