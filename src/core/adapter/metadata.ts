/**
 * Training metadata for display. kohya writes dozens of `ss_*` keys, several holding JSON
 * inside strings (`ss_network_args`, `ss_dataset_dirs`, `ss_tag_frequency`); ai-toolkit and
 * diffusers write JSON too (`software`, `training_info`, `lora_adapter_metadata`). Values are
 * untrusted text: JSON is parsed only to show it, a value that is not valid JSON is shown as
 * the string it is, and nothing here can fail.
 */
import { parseStrictJson, type JsonValue } from '../safetensors/json';

export interface MetadataEntry {
  readonly key: string;
  /** A readable label for well-known keys, else the key itself. */
  readonly label: string;
  /** The stored string. */
  readonly value: string;
  /** The value parsed, when it is a JSON object or array. */
  readonly parsed?: unknown;
}

/** Readable names for the keys people look for first; listed first, in this order. */
const LABELS: readonly [string, string][] = [
  ['ss_sd_model_name', 'base checkpoint'],
  ['ss_base_model_version', 'base model family'],
  ['modelspec.architecture', 'architecture'],
  ['ss_network_module', 'network module'],
  ['ss_network_dim', 'network dim'],
  ['ss_network_alpha', 'network alpha'],
  ['ss_network_args', 'network args'],
  ['ss_learning_rate', 'learning rate'],
  ['ss_unet_lr', 'UNet learning rate'],
  ['ss_text_encoder_lr', 'text encoder learning rate'],
  ['ss_optimizer', 'optimizer'],
  ['ss_lr_scheduler', 'LR scheduler'],
  ['ss_num_epochs', 'epochs'],
  ['ss_max_train_steps', 'max steps'],
  ['ss_num_train_images', 'training images'],
  ['ss_resolution', 'resolution'],
  ['ss_mixed_precision', 'mixed precision'],
  ['ss_seed', 'seed'],
  ['ss_output_name', 'output name'],
  ['software', 'written by'],
  ['training_info', 'training info'],
];

const LABEL_OF = new Map(LABELS);
const RANK_OF = new Map(LABELS.map(([key], i) => [key, i]));

/** Metadata entries, well-known keys first, JSON-holding values parsed. */
export function describeMetadata(metadata: Readonly<Record<string, string>> | null): MetadataEntry[] {
  if (!metadata) return [];
  const entries = Object.keys(metadata).map((key): MetadataEntry => {
    const value = metadata[key];
    const parsed = parseJsonValue(value);
    return { key, label: LABEL_OF.get(key) ?? key, value, ...(parsed !== undefined ? { parsed } : {}) };
  });
  return entries.sort((a, b) => (RANK_OF.get(a.key) ?? Infinity) - (RANK_OF.get(b.key) ?? Infinity) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Values longer than this are not parsed (a tag-frequency table can be megabytes). */
export const MAX_PARSED_LENGTH = 1_000_000;

function parseJsonValue(value: string): unknown {
  const first = value.trimStart()[0];
  if ((first !== '{' && first !== '[') || value.length > MAX_PARSED_LENGTH) return undefined;
  // The strict parser refuses deep nesting: a value like "[[[…]]]" 400k deep, parsed natively,
  // would overflow the stack of every later JSON.stringify of the report. Such a value stays a string.
  try {
    const parsed = toPlain(parseStrictJson(value));
    return parsed !== null && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The strict parser's Maps as plain objects and arrays, keys in document order. Recursive, but
 * the strict parser refuses nesting deeper than a few hundred levels. Keys are defined, not
 * assigned, so a key "__proto__" is an ordinary property.
 */
function toPlain(v: JsonValue): unknown {
  if (v instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v) Object.defineProperty(out, k, { value: toPlain(x), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return Array.isArray(v) ? v.map(toPlain) : v;
}
