import { numberField } from '../adapter/config';
import type { AdaptedModule, Adapter } from '../adapter/model';
import { compilePatterns } from '../adapter/patterns';
import type { Finding } from './finding';
import { countModules, HEALTH_CODES, nameList } from './healthCodes';

/** target_modules entries checked one by one; PEFT configs list a handful. */
const MAX_TARGET_ENTRIES = 1024;

/**
 * Findings where the config contradicts the tensors: rank_pattern / alpha_pattern keys and
 * target_modules entries that apply to no module, a config `r` the tensors do not have, and
 * modules the file holds twice (a loader would add both).
 */
export function configFindings(adapter: Adapter): Finding[] {
  const out = duplicateFindings(adapter.modules);
  const values = adapter.config?.values;
  // A file with no module (a shared-vector tuner such as UniLoRA, or keys no rule reads) is
  // NO_MODULES' finding; every entry would otherwise be reported as matching nothing.
  if (!values || adapter.format !== 'peft' || adapter.modules.length === 0) return out;
  const names = adapter.modules.map((m) => m.name);
  for (const field of ['rank_pattern', 'alpha_pattern'] as const) out.push(...unusedPatternKeys(values[field], field, names));
  out.push(...unmatchedTargets(values.target_modules, names));
  if (adapter.peftType === 'LORA') out.push(...rankMismatch(values, adapter.modules));
  return out;
}

/**
 * Pattern keys that give no module its value, under PEFT's rule (`get_pattern_key`: the first
 * key in the config's order that matches wins), matched by the bounded engine of patterns.ts.
 * A key shadowed by an earlier one applies to nothing either.
 */
function unusedPatternKeys(pattern: unknown, field: 'rank_pattern' | 'alpha_pattern', names: readonly string[]): Finding[] {
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) return [];
  const ignored: string[] = [];
  const table = compilePatterns(pattern, field, '', ignored);
  // A map the engine gave up on (too many keys, or steps below) proves nothing about its keys.
  if (ignored.some((w) => w.includes('is ignored'))) return [];
  const used = new Set<string>();
  for (const name of names) {
    const hit = table.match(name);
    if (hit) used.add(hit.key);
  }
  if (ignored.some((w) => w.includes('steps'))) return [];
  const map = pattern as Record<string, unknown>;
  return Object.keys(map)
    .filter((key) => typeof map[key] === 'number' && !used.has(key))
    .map((key) => ({
      code: HEALTH_CODES.patternUnmatched,
      severity: 'warning',
      message: `${field} key ${JSON.stringify(key)} applies to no module of this file (no module name ends with it, or an earlier key takes every module it matches)`,
      modules: [],
      configKey: `${field}.${key}`,
    }));
}

/**
 * target_modules entries no module name ends with. PEFT (tuners_utils.py,
 * `check_target_module_exists`) takes a list entry to match a module whose name equals it or
 * ends with `.` + it; a string is a full-match regular expression (or "all-linear"), which is
 * not evaluated here.
 */
function unmatchedTargets(targets: unknown, names: readonly string[]): Finding[] {
  if (!Array.isArray(targets) || targets.length > MAX_TARGET_ENTRIES) return [];
  const out: Finding[] = [];
  targets.forEach((entry: unknown, index) => {
    if (typeof entry !== 'string') return;
    if (names.some((name) => bareName(name) === entry || bareName(name).endsWith(`.${entry}`))) return;
    out.push({
      code: HEALTH_CODES.targetUnmatched,
      severity: 'warning',
      message: `target_modules entry ${JSON.stringify(entry)} matches no module of this file: it was not trained, or the config belongs to another file`,
      modules: [],
      configKey: `target_modules.${index}`,
    });
  });
  return out;
}

/** Modules without a rank_pattern entry whose tensors' rank is not the config's `r`. */
function rankMismatch(values: Readonly<Record<string, unknown>>, modules: readonly AdaptedModule[]): Finding[] {
  const r = numberField(values, 'r');
  if (r === undefined) return [];
  const table = compilePatterns(values.rank_pattern, 'rank_pattern', 'r', []);
  const governed = modules.filter((m) => m.factors && !table.match(m.name));
  const bad = governed.filter((m) => m.rank !== r);
  if (bad.length === 0) return [];
  const ranks = [...new Set(bad.map((m) => m.rank))].sort((a, b) => a - b);
  // One `r` fixes it only when every module that `r` governs has that one rank.
  const certain = ranks.length === 1 && bad.length === governed.length;
  return [
    {
      code: HEALTH_CODES.rankMismatch,
      severity: 'warning',
      message: `the config's r is ${r} but ${countModules(bad.length)} ha${bad.length === 1 ? 's' : 've'} rank ${ranks.join(', ')} in the tensors, so the scale α/r is wrong for them: ${nameList(bad.map((m) => m.name))}`,
      modules: bad.map((m) => m.name),
      configKey: 'r',
      ...(certain ? { fix: { configKey: 'r', value: ranks[0] } } : {}),
    },
  ];
}

/** Modules held twice under different keys (same name, expert and fused slice): a loader applies both, or one silently replaces the other. */
function duplicateFindings(modules: readonly AdaptedModule[]): Finding[] {
  const seen = new Map<string, number>();
  for (const m of modules) {
    const key = `${m.name}\u0000${m.expert ?? ''}\u0000${m.fusedSlice?.index ?? ''}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const twice = [...new Set(modules.filter((m) => (seen.get(`${m.name}\u0000${m.expert ?? ''}\u0000${m.fusedSlice?.index ?? ''}`) ?? 0) > 1).map((m) => m.name))];
  if (twice.length === 0) return [];
  return [
    {
      code: HEALTH_CODES.duplicate,
      severity: 'error',
      message: `${countModules(twice.length)} ${twice.length === 1 ? 'is' : 'are'} stored twice under different keys; a loader applies both or one silently replaces the other: ${nameList(twice)}`,
      modules: twice,
    },
  ];
}

/** A PEFT module name without the ` [adapter]` suffix peft.ts adds for a named adapter. */
function bareName(name: string): string {
  const bracket = name.indexOf(' [');
  return bracket < 0 ? name : name.slice(0, bracket);
}
