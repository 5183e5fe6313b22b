import { textSafe } from '../report/escape';

/** What a config key must hold. null is always accepted and means the key is unset (PEFT writes null for unset fields). */
export type ConfigKind = 'number' | 'boolean' | 'string' | 'object' | 'string list';

/** A key the reader uses: its kind and what is used when its value has another type. */
export interface ConfigKey {
  readonly kind: ConfigKind;
  readonly otherwise: string;
}

/** Values are quoted in warnings up to this many characters. */
const QUOTED_LENGTH = 60;
/** Pattern entries of the wrong type named one by one per map; the rest are counted. */
const NAMED_PATTERN_ENTRIES = 3;

/**
 * The config's values with every key of `keys` whose value has the wrong type left out, and a
 * warning for each naming the key, the type expected, the value and what is used instead.
 * `where` names the config in warnings (`adapter_config.json`, `lora_adapter_metadata`);
 * `prefix` is put before key names (`lora_parameters.`).
 */
export function checkedConfig(
  values: Readonly<Record<string, unknown>>,
  keys: Readonly<Record<string, ConfigKey>>,
  where: string,
  warnings: string[],
  prefix = '',
): Readonly<Record<string, unknown>> {
  let checked: Record<string, unknown> | null = null;
  for (const key of Object.keys(keys)) {
    if (!Object.prototype.hasOwnProperty.call(values, key)) continue;
    const value = values[key];
    const { kind, otherwise } = keys[key];
    if (value === null || fits(value, kind)) continue;
    const truthy = kind === 'boolean' && pythonTruthy(value) ? ' (PEFT itself would take this value as true)' : '';
    warnings.push(`${where}: "${prefix}${key}" should be ${KIND_NAMES[kind]} but is ${describeValue(value)}; it is not used: ${otherwise}${truthy}`);
    checked ??= { ...values };
    delete checked[key];
  }
  return checked ?? values;
}

/**
 * Warns about `rank_pattern` / `alpha_pattern` entries that hold neither a number nor a list
 * (AdaLoRA stores boolean masks as lists): such an entry matches no module, as PEFT would fail on it.
 */
export function checkPatternValues(pattern: unknown, field: string, where: string, fallback: string, warnings: string[], limit: number): void {
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) return;
  const map = pattern as Record<string, unknown>;
  let seen = 0;
  let wrong = 0;
  for (const key in map) {
    if (!Object.prototype.hasOwnProperty.call(map, key)) continue;
    if (++seen > limit) return;
    const value = map[key];
    if ((typeof value === 'number' && Number.isFinite(value)) || Array.isArray(value)) continue;
    if (++wrong <= NAMED_PATTERN_ENTRIES) {
      warnings.push(`${where}: ${field} entry ${quote(key)} should be a finite number but is ${describeValue(value)}; it is not used: the modules it names keep ${fallback}`);
    }
  }
  if (wrong > NAMED_PATTERN_ENTRIES) warnings.push(`${where}: ${wrong - NAMED_PATTERN_ENTRIES} more ${field} entries are not finite numbers and are not used`);
}

const KIND_NAMES: Readonly<Record<ConfigKind, string>> = {
  number: 'a finite number',
  boolean: 'true or false',
  string: 'a string',
  object: 'an object (a map of keys to values)',
  'string list': 'a list of strings',
};

function fits(value: unknown, kind: ConfigKind): boolean {
  switch (kind) {
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'string list':
      return Array.isArray(value) && value.every((x) => typeof x === 'string');
  }
}

/** Python's truth of a JSON value: what `if config.use_rslora:` would decide. */
function pythonTruthy(value: unknown): boolean {
  if (typeof value === 'string') return value.length > 0;
  if (typeof value === 'number') return value !== 0;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object' && value !== null) return Object.keys(value).length > 0;
  return value === true;
}

/** A config value in words, quoted, shortened and with unsafe characters escaped. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `the string ${quote(value)}`;
  if (typeof value === 'number') return Number.isFinite(value) ? `the number ${value}` : 'a number too large to be finite';
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (value === null) return 'null';
  return 'an object';
}

function quote(text: string): string {
  return textSafe(JSON.stringify(text.length > QUOTED_LENGTH ? `${text.slice(0, QUOTED_LENGTH)}…` : text));
}

/**
 * The PEFT config keys this reader uses, typed as PEFT's config dataclasses declare them
 * (peft/config.py PeftConfigMixin: peft_type, base_model_name_or_path; peft/tuners/lora/config.py
 * LoraConfig: r, lora_alpha, use_rslora, use_dora, fan_in_fan_out, rank_pattern, alpha_pattern,
 * modules_to_save; peft/tuners/adalora/config.py AdaLoraConfig: init_r; LoHaConfig / LoKrConfig: alpha).
 */
export const PEFT_CONFIG_KEYS: Readonly<Record<string, ConfigKey>> = {
  peft_type: { kind: 'string', otherwise: 'the adapter is read as LoRA' },
  base_model_name_or_path: { kind: 'string', otherwise: 'no base model is named' },
  r: { kind: 'number', otherwise: 'the scale is unknown where no rank_pattern entry gives r' },
  init_r: { kind: 'number', otherwise: 'r is used for ranknum' },
  lora_alpha: { kind: 'number', otherwise: 'the scale is unknown where no alpha_pattern entry gives lora_alpha' },
  alpha: { kind: 'number', otherwise: 'the scale is unknown' },
  use_rslora: { kind: 'boolean', otherwise: "false (PEFT's default) is used, s = lora_alpha / r" },
  use_dora: { kind: 'boolean', otherwise: 'DoRA is recognized by its magnitude tensors alone' },
  fan_in_fan_out: { kind: 'boolean', otherwise: "false (PEFT's default) is used" },
  rank_pattern: { kind: 'object', otherwise: 'every module keeps r' },
  alpha_pattern: { kind: 'object', otherwise: 'every module keeps lora_alpha' },
  modules_to_save: { kind: 'string list', otherwise: 'no saved module is taken as listed' },
};

/** mlx-lm's adapter_config.json keys this reader uses (mlx_lm/lora.py CONFIG_DEFAULTS, mlx_lm/tuner/utils.py). */
export const MLX_CONFIG_KEYS: Readonly<Record<string, ConfigKey>> = {
  lora_parameters: { kind: 'object', otherwise: 'the scale and rank are unknown' },
  fine_tune_type: { kind: 'string', otherwise: 'DoRA is recognized by its magnitude tensors alone' },
  model: { kind: 'string', otherwise: 'no base model is named' },
};

/** The keys of mlx-lm's `lora_parameters` this reader uses. */
export const MLX_LORA_PARAMETER_KEYS: Readonly<Record<string, ConfigKey>> = {
  rank: { kind: 'number', otherwise: 'the rank is not checked against the tensors' },
  scale: { kind: 'number', otherwise: "mlx-lm's default scale is assumed" },
  alpha: { kind: 'number', otherwise: 'it is treated as absent' },
};
