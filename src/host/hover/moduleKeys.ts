/**
 * How module names are normalized for hover lookups. Adapters, configs and code name the same
 * module differently: PEFT wraps it in `base_model.model.` and appends `.lora_A.weight`, kohya
 * flattens the path with underscores behind `lora_unet_`/`lora_te1_`, and code often says only
 * `q_proj`. Every module is indexed under all the keys a text might use for it, and a hovered
 * string is reduced to a few candidate keys, so a hover costs a handful of Map lookups.
 */

import { kohyaPrefixOf, withoutPeftWrap } from '../../core/adapter/moduleNames';

/** A lower-cased name without its kohya component prefix (from the one name table). */
function withoutKohyaPrefix(name: string): string {
  const kohya = kohyaPrefixOf(name);
  return kohya ? name.slice(kohya.prefix.length) : name;
}

/** Trailing parts that name a factor tensor rather than the module (`.lora_A.default.weight`). */
const FACTOR_TAIL =
  /(?:\.(?:lora_[AB]|lora_[ab]|lora_(?:up|down|mid)|lora\.(?:up|down)|lora_embedding_[AB]|lora_magnitude_vector|lora_AB|lora_E|alpha|hada_w[12]_[ab]|lokr_w[12](?:_[ab])?)(?:\.default)?(?:\.weight)?|\.weight|\.bias)$/i;

/** The shortest text worth a lookup; shorter words are not module names. */
const MIN_LENGTH = 2;

/** A module name with PEFT's wrapping and any factor-tensor tail removed, lower-cased. */
export function canonicalName(name: string): string {
  let n = name.trim().toLowerCase();
  for (let previous = ''; previous !== n;) {
    previous = n;
    n = n.replace(FACTOR_TAIL, '');
  }
  return withoutPeftWrap(n);
}

/**
 * The keys a module is found under: its canonical name, every dotted suffix that starts with a
 * name (`layers.3.self_attn.q_proj`, `self_attn.q_proj`, `q_proj`), the same with dots flattened
 * to underscores (kohya spelling), the kohya name without its prefix, and its module type
 * (`moduleType` as `placeOf` in ../layerNames reads it from the name).
 */
export function indexKeys(name: string, moduleType: string): string[] {
  const keys = new Set<string>();
  const canonical = canonicalName(name);
  keys.add(canonical);
  const parts = canonical.split('.');
  for (let i = 0; i < parts.length; i++) {
    if (/^\d/.test(parts[i])) continue;
    const suffix = parts.slice(i).join('.');
    keys.add(suffix);
    keys.add(suffix.replace(/\./g, '_'));
  }
  const kohya = withoutKohyaPrefix(canonical);
  if (kohya !== canonical) {
    keys.add(kohya);
    // kohya flattened the dots, so its type's shorter tails (`to_q` of `attn1_to_q`) are keys too.
    const tokens = moduleType.toLowerCase().split('_');
    for (let i = 1; i < tokens.length; i++) if (!/^\d/.test(tokens[i])) keys.add(tokens.slice(i).join('_'));
  }
  const type = moduleType.toLowerCase();
  if (type) {
    keys.add(type);
    keys.add(type.replace(/\./g, '_'));
  }
  keys.delete('');
  return [...keys];
}

/** The keys to try, most specific first, for a string found in a document. */
export function lookupKeys(text: string): string[] {
  const t = text.trim().replace(/^[.'"`]+|[.'"`:,;]+$/g, '');
  if (t.length < MIN_LENGTH) return [];
  const canonical = canonicalName(t);
  const keys = [canonical, withoutKohyaPrefix(canonical)];
  return [...new Set(keys)].filter((k) => k.length >= MIN_LENGTH);
}

/**
 * A cheap first test on a hovered word, before any lookup: module names are identifiers joined
 * by dots, with a letter or underscore somewhere.
 */
export function mayBeModuleName(text: string): boolean {
  return text.length >= MIN_LENGTH && text.length <= 300 && /^[A-Za-z0-9_.]+$/.test(text) && /[A-Za-z_]/.test(text);
}
