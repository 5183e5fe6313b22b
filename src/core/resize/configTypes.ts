/**
 * The types PEFT gives the adapter_config.json keys that a resized output keeps from its input
 * (huggingface/peft, src/peft/config.py `PeftConfigMixin`/`PeftConfig` and
 * src/peft/tuners/lora/config.py `LoraConfig`). A value of another type would make PEFT fail
 * or misread the output, so it is not copied.
 */
type Check = (value: unknown) => boolean;

const isString: Check = (v) => typeof v === 'string';
const isBool: Check = (v) => typeof v === 'boolean';
const isNumber: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const isInt: Check = (v) => Number.isSafeInteger(v);
const orNull =
  (check: Check): Check =>
  (v) =>
    v === null || check(v);
const listOf =
  (check: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(check);
const either =
  (...checks: Check[]): Check =>
  (v) =>
    checks.some((c) => c(v));

/** Key → the values PEFT accepts. Keys not listed are copied as they are. */
export const CONFIG_KEY_TYPES: Readonly<Record<string, { readonly check: Check; readonly expected: string }>> = {
  // PeftConfig
  base_model_name_or_path: { check: orNull(isString), expected: 'a string or null' },
  revision: { check: orNull(isString), expected: 'a string or null' },
  task_type: { check: orNull(isString), expected: 'a string or null' },
  inference_mode: { check: isBool, expected: 'true or false' },
  // LoraConfig
  target_modules: { check: orNull(either(isString, listOf(isString))), expected: 'a string or a list of strings' },
  exclude_modules: { check: orNull(either(isString, listOf(isString))), expected: 'a string, a list of strings or null' },
  lora_dropout: { check: isNumber, expected: 'a number' },
  fan_in_fan_out: { check: isBool, expected: 'true or false' },
  bias: { check: (v) => v === 'none' || v === 'all' || v === 'lora_only', expected: '"none", "all" or "lora_only"' },
  modules_to_save: { check: orNull(listOf(isString)), expected: 'a list of strings or null' },
  init_lora_weights: { check: either(isBool, isString), expected: 'true, false or a method name' },
  layers_to_transform: { check: orNull(either(isInt, listOf(isInt))), expected: 'an integer, a list of integers or null' },
  layers_pattern: { check: orNull(either(isString, listOf(isString))), expected: 'a string, a list of strings or null' },
  use_dora: { check: isBool, expected: 'true or false' },
  // Written by the resize itself (see peftConfig); checked only to say that a wrong input value was replaced.
  r: { check: isInt, expected: 'an integer' },
  lora_alpha: { check: isNumber, expected: 'a number' },
  use_rslora: { check: isBool, expected: 'true or false' },
  rank_pattern: { check: (v) => typeof v === 'object' && v !== null && !Array.isArray(v), expected: 'an object' },
  alpha_pattern: { check: (v) => typeof v === 'object' && v !== null && !Array.isArray(v), expected: 'an object' },
  peft_type: { check: isString, expected: 'a string' },
};

/** Text for a value in a warning: JSON, cut short (the value comes from a file). */
export function shortValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
