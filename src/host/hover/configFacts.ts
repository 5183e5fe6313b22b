import { numberField } from '../../core/adapter/config';
import type { Adapter } from '../../core/adapter/model';
import { compilePatterns } from '../../core/adapter/patterns';
import { peftScale } from '../../core/adapter/scale';
import type { Identity } from '../../core/check/finding';

/** Entries of a list or map listed one per line in a hover; the rest are counted. */
export const MAX_LISTED = 20;
/** List entries (target_modules, modules_to_save) matched against the modules at most: real configs list a handful. */
const MAX_CHECKED_ENTRIES = 256;
/** PEFT LoraConfig's defaults for r and lora_alpha (src/peft/tuners/lora/config.py). */
const PEFT_DEFAULT_R = 8;
const PEFT_DEFAULT_ALPHA = 8;
/** Layer indices in module names, under the layer-list names PEFT looks for (src/peft/tuners/tuners_utils.py, COMMON_LAYERS_PATTERN). */
const LAYER_INDEX = /(?:^|\.)(?:layers|h|blocks|layer|block)\.(\d+)(?:\.|$)/;

/** What the weights beside a config say about one key: lines of Markdown-free text, each from this file. */
export type ConfigFacts = (values: Readonly<Record<string, unknown>>, adapter: Adapter, identity: Identity | null) => string[];

/** A PEFT module name without the ` [adapter]` suffix the reader adds for a named adapter. */
export function bareName(name: string): string {
  const bracket = name.indexOf(' [');
  return bracket < 0 ? name : name.slice(0, bracket);
}

/** The distinct module names of the adapter (experts and fused slices share one). */
function moduleNames(adapter: Adapter): string[] {
  return [...new Set(adapter.modules.map((m) => bareName(m.name)))];
}

/**
 * Whether PEFT would target `name` with list entry `entry`: equal to it or ending with `.` + it
 * (src/peft/tuners/tuners_utils.py check_target_module_exists).
 */
export function targets(name: string, entry: string): boolean {
  return name === entry || name.endsWith(`.${entry}`);
}

function count(n: number, noun: string): string {
  if (n === 1) return `1 ${noun}`;
  return noun.endsWith('y') ? `${n} ${noun.slice(0, -1)}ies` : `${n} ${noun}s`;
}

export function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && (Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3)) return x.toExponential(3);
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4)));
}

/** "8 (24 modules), 4 (2 modules)": how many modules have each value, most common first. */
function histogram(values: readonly number[]): string {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const shown = sorted.slice(0, MAX_LISTED).map(([v, n]) => `${num(v)} (${count(n, 'module')})`);
  const more = sorted.length - shown.length;
  return more > 0 ? `${shown.join(', ')}, and ${more} more` : shown.join(', ');
}

function listed(lines: string[]): string[] {
  const more = lines.length - MAX_LISTED;
  return more > 0 ? [...lines.slice(0, MAX_LISTED), `…and ${more} more`] : lines;
}

/** The scale PEFT gives modules without a pattern entry, from this config's values. */
function scaleLine(values: Readonly<Record<string, unknown>>): string {
  const r = numberField(values, 'r') ?? PEFT_DEFAULT_R;
  const alpha = numberField(values, 'lora_alpha') ?? PEFT_DEFAULT_ALPHA;
  const result = peftScale(alpha, r, values.use_rslora === true);
  return `scale s = ${result.rule} = ${num(result.scale)} (modules without a rank_pattern or alpha_pattern entry)`;
}

/** How many modules each pattern key decides (the first matching key wins), and the keys that decide none. */
function patternFacts(values: Readonly<Record<string, unknown>>, adapter: Adapter, field: 'rank_pattern' | 'alpha_pattern'): string[] {
  const pattern = values[field];
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) return [];
  const warnings: string[] = [];
  const table = compilePatterns(pattern, field, '', warnings);
  const decided = new Map<string, number>();
  for (const name of moduleNames(adapter)) {
    const hit = table.match(name);
    if (hit) decided.set(hit.key, (decided.get(hit.key) ?? 0) + 1);
  }
  const lines = Object.keys(pattern).map((key) => {
    const n = decided.get(key) ?? 0;
    return n === 0 ? `${JSON.stringify(key)}: applies to no module of the weights` : `${JSON.stringify(key)}: decides ${count(n, 'module')}`;
  });
  return [...listed(lines), ...warnings];
}

const FACTS: Readonly<Record<string, ConfigFacts>> = {
  r: (values, adapter) => {
    const r = numberField(values, 'r');
    const ranks = adapter.modules.filter((m) => m.factors !== null).map((m) => m.rank);
    const lines = [`ranks in the tensors: ${ranks.length === 0 ? 'none' : histogram(ranks)}`, scaleLine(values)];
    if (r !== undefined && ranks.length > 0) {
      const table = compilePatterns(values.rank_pattern, 'rank_pattern', 'r', []);
      const other = adapter.modules.filter((m) => m.factors !== null && m.rank !== r && !table.match(m.name)).length;
      if (other > 0) lines.push(`${count(other, 'module')} without a rank_pattern entry ha${other === 1 ? 's' : 've'} another rank than r = ${num(r)}`);
    }
    return lines;
  },
  lora_alpha: (values, adapter) => [scaleLine(values), `scales in the tensors as read: ${histogram(adapter.modules.filter((m) => Number.isFinite(m.scale)).map((m) => m.scale))}`],
  use_rslora: (values) => {
    const r = numberField(values, 'r') ?? PEFT_DEFAULT_R;
    const alpha = numberField(values, 'lora_alpha') ?? PEFT_DEFAULT_ALPHA;
    const plain = peftScale(alpha, r, false);
    const rs = peftScale(alpha, r, true);
    const on = values.use_rslora === true;
    return [`${on ? 'applies' : 'would apply'}: ${rs.rule} = ${num(rs.scale)}`, `${on ? 'instead of' : 'applies'}: ${plain.rule} = ${num(plain.scale)}`];
  },
  use_dora: (values, adapter) => {
    const withMagnitude = adapter.modules.filter((m) => m.magnitude !== undefined).length;
    const lines = [`${withMagnitude} of ${count(adapter.modules.length, 'module')} have a DoRA magnitude vector in the tensors`];
    if ((values.use_dora === true) !== withMagnitude > 0) lines.push('this contradicts the value here');
    return lines;
  },
  target_modules: (values, adapter) => {
    const names = moduleNames(adapter);
    const entries = values.target_modules;
    if (typeof entries === 'string') {
      return [
        entries === 'all-linear' ? 'all-linear: every linear layer but the output head' : 'a regular expression (matched by PEFT against whole module names; not evaluated here)',
        `the tensors adapt ${count(names.length, 'module')}`,
      ];
    }
    if (!Array.isArray(entries)) return [`the tensors adapt ${count(names.length, 'module')}`];
    if (entries.length > MAX_CHECKED_ENTRIES) return [`${count(entries.length, 'entry')}: too many to match one by one`];
    const lines = entries.map((entry: unknown) => {
      if (typeof entry !== 'string') return `${JSON.stringify(entry) ?? String(entry)}: not a module name`;
      const n = names.filter((name) => targets(name, entry)).length;
      return n === 0 ? `${JSON.stringify(entry)}: matches no module of the weights` : `${JSON.stringify(entry)}: matches ${count(n, 'module')}`;
    });
    const strings = entries.filter((e): e is string => typeof e === 'string');
    const untargeted = names.filter((name) => !strings.some((e) => targets(name, e))).length;
    if (untargeted > 0) lines.push(`${count(untargeted, 'module')} of the weights ${untargeted === 1 ? 'is' : 'are'} matched by no entry`);
    return listed(lines);
  },
  rank_pattern: (values, adapter) => patternFacts(values, adapter, 'rank_pattern'),
  alpha_pattern: (values, adapter) => patternFacts(values, adapter, 'alpha_pattern'),
  base_model_name_or_path: (_values, _adapter, identity) => {
    const arch = identity?.architecture;
    if (!arch) return ['the tensors indicate no known architecture'];
    return [`the tensors indicate: ${arch.name} (confidence ${Math.round(arch.confidence * 100)}%)`, ...arch.evidence.slice(0, 3).map((e) => `evidence: ${e}`)];
  },
  peft_type: (_values, adapter, identity) => [`read as: ${adapter.formatDetail}`, ...(identity ? [`algorithm: ${identity.algorithm}`] : [])],
  modules_to_save: (values, adapter) => {
    const entries = values.modules_to_save;
    if (!Array.isArray(entries)) return [`${count(adapter.otherTensors.length, 'tensor')} of the weights belong to no LoRA module`];
    if (entries.length > MAX_CHECKED_ENTRIES) return [`${count(entries.length, 'entry')}: too many to match one by one`];
    return listed(
      entries.map((entry: unknown) => {
        if (typeof entry !== 'string') return `${JSON.stringify(entry) ?? String(entry)}: not a module name`;
        const n = adapter.otherTensors.filter((t) => t.name.includes(`.${entry}.`) || t.name.startsWith(`${entry}.`)).length;
        return n === 0 ? `${JSON.stringify(entry)}: no tensor of it is saved` : `${JSON.stringify(entry)}: ${count(n, 'tensor')} saved whole`;
      }),
    );
  },
  layers_to_transform: (_values, adapter) => {
    const layers = new Set<number>();
    for (const name of moduleNames(adapter)) {
      const index = LAYER_INDEX.exec(name)?.[1];
      if (index !== undefined && index.length <= 6) layers.add(Number(index));
    }
    const sorted = [...layers].sort((a, b) => a - b);
    if (sorted.length === 0) return ['no layer index in the module names'];
    const shown = sorted.slice(0, MAX_LISTED * 4).join(', ');
    return [`layers in the tensors: ${shown}${sorted.length > MAX_LISTED * 4 ? ', …' : ''} (${count(sorted.length, 'layer')})`];
  },
};

/** Lines about `key` from the weights beside the config; empty for a key the weights say nothing about. */
export function configFacts(key: string, values: Readonly<Record<string, unknown>>, adapter: Adapter, identity: Identity | null): string[] {
  const facts = Object.hasOwn(FACTS, key) ? FACTS[key] : undefined;
  return facts ? facts(values, adapter, identity) : [];
}
