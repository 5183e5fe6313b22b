/**
 * PEFT's `rank_pattern` / `alpha_pattern` lookup (`get_pattern_key`). A pattern key is a
 * regular expression that must match a whole trailing run of dotted name parts of the module's
 * name inside the base model (e.g. `model.layers.3.self_attn.q_proj`): PEFT tests
 * `re.match(rf"(.*\.)?({key})$", name)`, so `q_proj` matches every q_proj and
 * `layers.3.self_attn.q_proj` matches one. The first key in the config's order that matches
 * wins, as in PEFT.
 */
export interface PatternMatch {
  readonly key: string;
  readonly value: number;
}

export interface PatternTable {
  readonly entries: readonly { readonly key: string; readonly regex: RegExp | null; readonly value: number }[];
  /** Keys that are not valid regular expressions here (matched literally instead). */
  readonly invalid: readonly string[];
}

/** Compiles a config's pattern map; non-numeric values are skipped. */
export function compilePatterns(pattern: unknown): PatternTable {
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) return { entries: [], invalid: [] };
  const entries: { key: string; regex: RegExp | null; value: number }[] = [];
  const invalid: string[] = [];
  for (const [key, value] of Object.entries(pattern as Record<string, unknown>)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    let regex: RegExp | null = null;
    try {
      regex = new RegExp(`^(.*\\.)?(${key})$`);
    } catch {
      invalid.push(key);
    }
    entries.push({ key, regex, value });
  }
  return { entries, invalid };
}

/** The pattern entry that applies to a module name, or undefined. */
export function matchPattern(table: PatternTable, moduleName: string): PatternMatch | undefined {
  for (const entry of table.entries) {
    const hit = entry.regex ? entry.regex.test(moduleName) : moduleName === entry.key || moduleName.endsWith(`.${entry.key}`);
    if (hit) return { key: entry.key, value: entry.value };
  }
  return undefined;
}
