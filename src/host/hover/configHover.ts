import type { Adapter } from '../../core/adapter/model';
import type { Finding, Identity } from '../../core/check/finding';
import { markdownCell } from '../../core/report/escape';
import { configFacts } from './configFacts';
import { CONFIG_KEY_DOCS } from './configKeyDocs';

/** Characters of a config value shown in a hover. */
const MAX_VALUE_TEXT = 200;

/** What a hover on one adapter_config.json key is made from. */
export interface ConfigHoverInput {
  readonly key: string;
  /** The config's values as the editor holds them (unsaved edits included). */
  readonly values: Readonly<Record<string, unknown>>;
  /** The adapter weights beside the config, when one was found and could be read. */
  readonly adapter: Adapter | null;
  /** Its identity (the check's where it has run). */
  readonly identity: Identity | null;
  /** The check's findings about this config, where it has run. */
  readonly findings: readonly Finding[];
  /** The weights file as shown (a workspace-relative path). */
  readonly weightsLabel: string | null;
}

/**
 * The hover's Markdown for a config key: what it means, its value here, what the weights beside
 * the config say about it (ranks, scales, matches, architecture) and the check's findings on it.
 * Null for a key it knows nothing about. Every string from a file goes through markdownCell.
 */
export function configHoverMarkdown(input: ConfigHoverInput): string | null {
  const { key, values, adapter } = input;
  const doc = Object.hasOwn(CONFIG_KEY_DOCS, key) ? CONFIG_KEY_DOCS[key] : undefined;
  const findings = input.findings.filter((f) => f.configKey !== undefined && (f.configKey === key || f.configKey.startsWith(`${key}.`)));
  if (doc === undefined && findings.length === 0) return null;
  const parts = [`**${markdownCell(key)}** · adapter_config.json`];
  if (doc !== undefined) parts.push(doc);
  if (Object.hasOwn(values, key)) parts.push(`Here: ${markdownCell(valueText(values[key]))}`);
  const facts = adapter ? configFacts(key, values, adapter, input.identity) : [];
  if (facts.length > 0) {
    const source = input.weightsLabel === null ? 'The weights' : `The weights (${markdownCell(input.weightsLabel)})`;
    parts.push(`${source}:\n\n${facts.map((line) => `- ${markdownCell(line)}`).join('\n')}`);
  } else if (!adapter) {
    parts.push('_No adapter weights found beside this config._');
  }
  if (findings.length > 0) parts.push(`Check:\n\n${findings.map((f) => `- ${f.severity} ${markdownCell(f.code)}: ${markdownCell(f.message)}`).join('\n')}`);
  return parts.join('\n\n');
}

/** A config value as JSON text, cut (a long list or map is summarised by its size). */
function valueText(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  if (text.length <= MAX_VALUE_TEXT) return text;
  const size = Array.isArray(value) ? ` (${value.length} entries)` : value !== null && typeof value === 'object' ? ` (${Object.keys(value).length} keys)` : '';
  return `${text.slice(0, MAX_VALUE_TEXT - 1)}…${size}`;
}
