import type { TensorInfo } from '../safetensors/types';
import type { BuildResult } from './build';
import type { GroupedKeys, ModuleParts } from './group';
import type { FactorRole } from './keys';
import type { AdaptedModule, AdapterFormat } from './model';
import { unknownScale } from './scale';

/**
 * Factors under keys no layout rule knows. Rather than "no adapter found" for a file that holds
 * LoRA factors, tensors are paired by name stem and shape under one of these guessed rules,
 * analysed, and a warning says which rule was guessed and what a standard loader does with the
 * keys. Standard loaders match factors by exact suffix: kohya sd-scripts (networks/lora.py,
 * `lora_name + ".lora_down.weight"`), diffusers' load_lora_weights (its converters raise on keys
 * they do not consume) and ComfyUI (comfy/lora.py logs "lora key not loaded").
 */
export type GuessRule = 'broken-suffix' | 'anonymous';

export interface GuessedGroups {
  readonly grouped: GroupedKeys;
  /** The rule each guessed module was read under, by the name of its A (down) tensor. */
  readonly rules: ReadonlyMap<string, GuessRule>;
  readonly warnings: readonly string[];
  /** Whether rules found modules too, so the guessed ones sit beside them. */
  readonly mixed: boolean;
}

interface Candidate {
  readonly stem: string;
  readonly role: FactorRole;
  readonly rule: GuessRule;
}

/**
 * `…_to_k_lora_down.weight`, `….lora.down`, `…_lora_A_weight`: a factor word with a separator that
 * is not the one any layout uses. Greedy stems keep matching linear in the key's length.
 */
const BROKEN = /^(.+)[._]lora[._]?(down|up|A|B)(?:[._]weight)?$/;
/** `w_a_000` / `w_b_000` (and with a prefix): down (a) and up (b) factors numbered, no module. */
const ANONYMOUS = /^(.*)w_(a|b)_(\d{1,9})$/;
/** An alpha under a broken separator (`…_to_k_alpha`) or the standard one. */
const ALPHA = /^(.+)[._]alpha$/;

function candidateOf(name: string): Candidate | null {
  const broken = BROKEN.exec(name);
  if (broken) return { stem: broken[1], role: broken[2] === 'down' || broken[2] === 'A' ? 'A' : 'B', rule: 'broken-suffix' };
  const anonymous = ANONYMOUS.exec(name);
  if (anonymous) return { stem: `${anonymous[1]}w_${anonymous[3]}`, role: anonymous[2] === 'a' ? 'A' : 'B', rule: 'anonymous' };
  return null;
}

/** Whether B·A is defined: B [m, r, …] after A [r, n, …]. */
const fits = (A: TensorInfo, B: TensorInfo): boolean => A.shape.length >= 2 && B.shape.length >= 2 && B.shape[1] === A.shape[0];

/**
 * Pairs the unclassified tensors by a guessed rule, whether or not rules found other modules (a
 * file can mix kohya keys with broken ones). Returns the modules found plus the guessed ones, or
 * null when no pair is found (the file then holds no factors this tool can see beyond those).
 */
export function guessFactors(grouped: GroupedKeys): GuessedGroups | null {
  const known = new Set(grouped.modules.map((m) => m.module));
  const stems = new Map<string, { rule: GuessRule; parts: Map<FactorRole, TensorInfo[]> }>();
  const alphas = new Map<string, TensorInfo>();
  for (const t of grouped.unclassified) {
    const c = candidateOf(t.name);
    if (!c) {
      const alpha = ALPHA.exec(t.name);
      if (alpha && t.elements === 1) alphas.set(alpha[1], t);
      continue;
    }
    const entry = stems.get(c.stem) ?? { rule: c.rule, parts: new Map<FactorRole, TensorInfo[]>() };
    const list = entry.parts.get(c.role);
    if (list) list.push(t);
    else entry.parts.set(c.role, [t]);
    stems.set(c.stem, entry);
  }
  const modules: ModuleParts[] = [];
  const rules = new Map<string, GuessRule>();
  const used = new Set<string>();
  let unpaired = 0;
  for (const [stem, { rule, parts }] of stems) {
    if (known.has(stem)) continue;
    const a = parts.get('A') ?? [];
    const b = parts.get('B') ?? [];
    if (a.length !== 1 || b.length !== 1) {
      unpaired += a.length + b.length;
      continue;
    }
    // The names say which is down; the shapes must agree (a swapped pair is read by its shapes).
    let [A, B] = [a[0], b[0]];
    if (!fits(A, B) && fits(B, A)) [A, B] = [B, A];
    if (!fits(A, B)) {
      unpaired += 2;
      continue;
    }
    const map = new Map<FactorRole, TensorInfo>([
      ['A', A],
      ['B', B],
    ]);
    const alpha = alphas.get(stem);
    if (alpha) {
      map.set('alpha', alpha);
      used.add(alpha.name);
    }
    used.add(A.name).add(B.name);
    modules.push({ module: stem, scheme: 'kohya', parts: map, conflicts: [] });
    rules.set(A.name, rule);
  }
  if (modules.length === 0) return null;
  const warnings = guessWarnings(rules, unpaired);
  const unclassified = grouped.unclassified.filter((t) => !used.has(t.name));
  return { grouped: { modules: [...grouped.modules, ...modules], unclassified }, rules, warnings, mixed: grouped.modules.length > 0 };
}

/**
 * Guessed modules: the format line says so. Anonymous pairs have no scale rule; in a file whose
 * other modules are not kohya's, neither have broken-suffix pairs (their names say kohya, the
 * layout's scale rule does not apply to keys its loader would not read).
 */
export function applyGuess(built: BuildResult, guess: GuessedGroups, format: AdapterFormat): BuildResult {
  const foreign = format !== 'kohya' && format !== 'lycoris';
  const modules = built.modules.map((m): AdaptedModule => {
    const rule = m.tensors.A === undefined ? undefined : guess.rules.get(m.tensors.A);
    if (rule === 'anonymous') return { ...m, ...scaleFields(unknownScale('anonymous factors name no layout and so no scale rule')) };
    if (rule === 'broken-suffix' && foreign && guess.mixed)
      return { ...m, ...scaleFields(unknownScale(`a pair guessed from broken keys in a ${format} file: no scale rule of that layout applies to them`)) };
    return m;
  });
  const rules = [...new Set(guess.rules.values())].join(' and ');
  const formatDetail = guess.mixed
    ? `${built.formatDetail}; ${guess.rules.size} module(s) paired by a guessed rule (${rules})`
    : `factors under unknown keys, paired by a guessed rule (${rules})`;
  return { ...built, formatDetail, modules, warnings: [...guess.warnings, ...built.warnings] };
}

function scaleFields(s: ReturnType<typeof unknownScale>): Pick<AdaptedModule, 'scale' | 'alpha' | 'scaleRule' | 'scaleKnown'> {
  return { scale: s.scale, alpha: s.alpha, scaleRule: s.rule, scaleKnown: s.known };
}

function guessWarnings(rules: ReadonlyMap<string, GuessRule>, unpaired: number): string[] {
  const count = (rule: GuessRule) => [...rules.values()].filter((r) => r === rule).length;
  const warnings: string[] = [];
  const broken = count('broken-suffix');
  if (broken > 0)
    warnings.push(
      `guessed rule: ${broken} module(s) have factor keys with a separator no layout uses (like "…_to_k_lora_down.weight" for "…_to_k.lora_down.weight"); ` +
        `they were paired by name stem and shape as kohya lora_down/lora_up factors, with kohya's scale rule in a kohya file (in another layout's file their scale is unknown). ` +
        `kohya sd-scripts, diffusers and ComfyUI match the exact ".lora_down.weight" suffix, so a standard loader finds no LoRA module in these keys ` +
        `(diffusers raises on them, ComfyUI skips them as "lora key not loaded")`,
    );
  const anonymous = count('anonymous');
  if (anonymous > 0)
    warnings.push(
      `guessed rule: ${anonymous} pair(s) of anonymous tensors (w_a_N / w_b_N) were paired by index and shape as down (a) and up (b) factors; ` +
        `the keys name no module, so positional names are kept and the scale is unknown. No standard loader (kohya sd-scripts, diffusers, ComfyUI, PEFT) reads these keys`,
    );
  if (unpaired > 0) warnings.push(`${unpaired} tensor(s) look like factors but have no partner of a fitting shape under the guessed rule; they are listed only`);
  return warnings;
}

/**
 * kohya names with the component repeated after the prefix (`lora_unet_unet_down_blocks_…`,
 * from hand conversions that prefixed a diffusers name that already had `unet.`): read as the
 * name without the repetition, with a warning.
 */
/**
 * Doubled prefixes seen in hand conversions and what they stand for. Only prefixes whose
 * repetition cannot be a real path are listed (`lora_transformer_transformer_blocks_…` is real).
 */
const DOUBLED: readonly (readonly [string, string])[] = [
  ['lora_unet_unet_', 'lora_unet_'],
  ['lora_te_text_encoder_text_model_', 'lora_te_text_model_'],
  ['lora_te1_text_encoder_text_model_', 'lora_te1_text_model_'],
  ['lora_te2_text_encoder_2_text_model_', 'lora_te2_text_model_'],
];

export function undoublePrefix(grouped: GroupedKeys): { grouped: GroupedKeys; warning: string | null } {
  let renamed = 0;
  let example = '';
  const modules = grouped.modules.map((m) => {
    const hit = DOUBLED.find(([doubled]) => m.module.startsWith(doubled));
    if (!hit) return m;
    renamed++;
    const fixed = hit[1] + m.module.slice(hit[0].length);
    if (!example) example = `"${m.module}" as "${fixed}"`;
    return { ...m, module: fixed };
  });
  if (renamed === 0) return { grouped, warning: null };
  return {
    grouped: { modules, unclassified: grouped.unclassified },
    warning:
      `guessed rule: ${renamed} module name(s) repeat the component after kohya's prefix and are read without the repetition (${example}); ` +
      `kohya sd-scripts and diffusers look the doubled name up among the model's modules, find none, and skip these factors (ComfyUI: "lora key not loaded")`,
  };
}
