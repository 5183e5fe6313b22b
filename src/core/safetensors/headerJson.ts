import { parseStrictJson, type JsonValue } from './json';

/** A parsed header: the top-level entries in document order, values as plain JSON values. */
export type HeaderEntries = [string, unknown][];

/**
 * Parses a header's JSON text with the native parser when that is provably exact, and with the
 * strict parser otherwise. The native parser is ~20× faster on a cold start (a 150 KB header:
 * 2 ms against 40 ms), but it keeps only the last of two equal keys and moves integer-like keys
 * to the front. So the native result is used only when (a) the number of key tokens in the text
 * equals the number of properties it built, at every depth together (no duplicates were
 * collapsed), and (b) no top-level key is integer-like (order is document order). Otherwise the
 * strict parser runs, and names the duplicate key if there is one.
 *
 * Throws JsonSyntaxError for text that is not JSON or that repeats a key.
 */
export function parseHeaderJson(text: string): { root: 'object'; entries: HeaderEntries } | { root: 'other' } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // The strict parser reports where and why.
    return fromStrict(parseStrictJson(text));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { root: 'other' };
  const keys = Object.keys(value);
  if (keys.some(isArrayIndex) || countKeyTokens(text) !== countProperties(value)) return fromStrict(parseStrictJson(text));
  const record = value as Record<string, unknown>;
  return { root: 'object', entries: keys.map((k) => [k, record[k]]) };
}

function fromStrict(parsed: JsonValue): { root: 'object'; entries: HeaderEntries } | { root: 'other' } {
  if (!(parsed instanceof Map)) return { root: 'other' };
  return { root: 'object', entries: [...parsed].map(([k, v]) => [k, toPlain(v)]) };
}

/** Maps from the strict parser as plain values (inner objects hold no integer-like keys that matter). */
function toPlain(v: JsonValue): unknown {
  if (v instanceof Map) {
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [k, x] of v) out[k] = toPlain(x);
    return out;
  }
  return Array.isArray(v) ? v.map(toPlain) : v;
}

/** Property names that objects order numerically before all others. */
function isArrayIndex(key: string): boolean {
  return /^(0|[1-9]\d{0,9})$/.test(key) && Number(key) < 4294967295;
}

/**
 * Counts object keys in JSON text: every string token is consumed in sequence (so a quote inside
 * a string can never start a token), and those followed by a colon are keys. A plain loop, not
 * a regular expression: a backtracking engine recurses per character of a string, and one
 * metadata value of megabytes overflowed the stack.
 */
function countKeyTokens(text: string): number {
  let keys = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    if (text.charCodeAt(i) !== QUOTE) {
      i++;
      continue;
    }
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === BACKSLASH) i += 2;
      else if (c === QUOTE) break;
      else i++;
    }
    i++;
    let j = i;
    while (j < n && isJsonSpace(text.charCodeAt(j))) j++;
    if (j < n && text.charCodeAt(j) === COLON) {
      keys++;
      i = j + 1;
    }
  }
  return keys;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/** JSON's whitespace between tokens (the text has already parsed, so no other can occur there). */
function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Own properties of every object in a parsed value, at all depths (iterative: no recursion limit). */
function countProperties(root: object): number {
  let count = 0;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (const x of v) if (x !== null && typeof x === 'object') stack.push(x);
      continue;
    }
    const keys = Object.keys(v);
    count += keys.length;
    for (const k of keys) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== null && typeof x === 'object') stack.push(x);
    }
  }
  return count;
}
