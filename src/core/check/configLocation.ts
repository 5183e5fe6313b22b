/**
 * Where a finding's config key sits in the text of adapter_config.json: one linear scan of the
 * JSON's top-level object (and, for `field.entry` keys, of that field's value), no regular
 * expression and no recursion, so a hostile config costs at most a few passes over its (bounded)
 * text. Offsets are UTF-16 code units, as editors count them.
 */

/** A stretch of the text: [start, end). */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** A located key: the key's string literal (null for an array entry) and its value. */
export interface KeyLocation {
  readonly key: Span | null;
  readonly value: Span;
}

/** A zero-based line and column. */
export interface TextPosition {
  readonly line: number;
  readonly character: number;
}

interface Member {
  readonly key: Span;
  readonly name: string | null;
  readonly value: Span;
}

/**
 * The keys of one adapter_config.json text, indexed once: its top-level members by name, each
 * field's own members or elements on first use, and the line starts, so that placing thousands
 * of findings costs one pass over the text plus a lookup each (a hostile config may hold 4096
 * pattern keys; a scan per finding would block the editor for seconds). A duplicated key
 * resolves to its last occurrence, the one JSON.parse and Python's json keep.
 */
export class ConfigIndex {
  private readonly top: ReadonlyMap<string, Member> | null;
  private readonly fields = new Map<string, { readonly members: ReadonlyMap<string, Member> | null; readonly elements: readonly Span[] | null }>();
  private lineStarts: number[] | null = null;

  constructor(private readonly text: string) {
    const top = skipSpace(text, text.charCodeAt(0) === 0xfeff ? 1 : 0);
    this.top = text[top] === '{' ? byName(objectMembers(text, top)) : null;
  }

  /**
   * The location of `configKey`: a top-level key of that name, else `field.entry` where `field`
   * is a top-level key: the `entry`-th element of an array (`target_modules.1`) or the member
   * named `entry` of an object (`rank_pattern.model.layers.0.q_proj`). Null when it is not there
   * or the text is not a JSON object where it matters.
   */
  locate(configKey: string): KeyLocation | null {
    const whole = this.topLevel(configKey);
    if (whole) return whole;
    const dot = configKey.indexOf('.');
    if (dot <= 0) return null;
    const field = this.field(configKey.slice(0, dot));
    if (!field) return null;
    const entry = configKey.slice(dot + 1);
    if (field.members) {
      const member = field.members.get(entry);
      return member ? { key: member.key, value: member.value } : null;
    }
    if (field.elements && /^\d{1,9}$/.test(entry)) {
      const element = field.elements[Number(entry)];
      return element ? { key: null, value: element } : null;
    }
    return null;
  }

  /** The top-level member named `name` (its last occurrence), or null. */
  topLevel(name: string): KeyLocation | null {
    const member = this.top?.get(name);
    return member ? { key: member.key, value: member.value } : null;
  }

  /**
   * The zero-based line and column of an offset as an editor shows the text: `\r\n` and `\n`
   * end lines, and a leading byte-order mark (which editors drop) takes no column.
   */
  positionAt(offset: number): TextPosition {
    const text = this.text;
    const end = Math.max(0, Math.min(offset, text.length));
    this.lineStarts ??= lineStartsOf(text);
    const starts = this.lineStarts;
    // The last line start at or before `end` (starts[0] = 0).
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= end) lo = mid;
      else hi = mid - 1;
    }
    const bom = lo === 0 && end > 0 && text.charCodeAt(0) === 0xfeff ? 1 : 0;
    return { line: lo, character: end - starts[lo] - bom };
  }

  private field(name: string): { readonly members: ReadonlyMap<string, Member> | null; readonly elements: readonly Span[] | null } | null {
    const member = this.top?.get(name);
    if (!member) return null;
    let field = this.fields.get(name);
    if (!field) {
      const open = this.text[member.value.start];
      field = {
        members: open === '{' ? byName(objectMembers(this.text, member.value.start)) : null,
        elements: open === '[' ? arrayElements(this.text, member.value.start) : null,
      };
      this.fields.set(name, field);
    }
    return field;
  }
}

/** The location of `configKey` in `text` (see ConfigIndex.locate); for one lookup. */
export function locateConfigKey(text: string, configKey: string): KeyLocation | null {
  return new ConfigIndex(text).locate(configKey);
}

/** The line and column of `offset` in `text` (see ConfigIndex.positionAt); for one lookup. */
export function positionAt(text: string, offset: number): TextPosition {
  return new ConfigIndex(text).positionAt(offset);
}

/** Members by name; a later duplicate replaces an earlier one, as JSON.parse does. */
function byName(members: readonly Member[]): ReadonlyMap<string, Member> {
  const map = new Map<string, Member>();
  for (const m of members) if (m.name !== null) map.set(m.name, m);
  return map;
}

/** The offset where each line starts: 0, then one past each `\n`. */
function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/** The direct members of the object whose `{` is at `open`, in order; stops at the first malformed part. */
function objectMembers(text: string, open: number): Member[] {
  const out: Member[] = [];
  let i = skipSpace(text, open + 1);
  while (i < text.length && text[i] === '"') {
    const keyEnd = skipString(text, i);
    const colon = skipSpace(text, keyEnd);
    if (text[colon] !== ':') break;
    const valueStart = skipSpace(text, colon + 1);
    const valueEnd = skipValue(text, valueStart);
    if (valueEnd <= valueStart) break;
    out.push({ key: { start: i, end: keyEnd }, name: stringValue(text.slice(i, keyEnd)), value: { start: valueStart, end: valueEnd } });
    i = skipSpace(text, valueEnd);
    if (text[i] !== ',') break;
    i = skipSpace(text, i + 1);
  }
  return out;
}

/** The elements of the array whose `[` is at `open`, in order; stops at the first malformed part. */
function arrayElements(text: string, open: number): Span[] {
  const out: Span[] = [];
  let i = skipSpace(text, open + 1);
  while (i < text.length && text[i] !== ']') {
    const end = skipValue(text, i);
    if (end <= i) break;
    out.push({ start: i, end });
    i = skipSpace(text, end);
    if (text[i] !== ',') break;
    i = skipSpace(text, i + 1);
  }
  return out;
}

/** The offset just past the value starting at `i`: a string, an object or array (nesting counted, strings skipped), or a scalar. */
function skipValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return skipString(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    let j = i;
    while (j < text.length) {
      const d = text[j];
      if (d === '"') {
        j = skipString(text, j);
        continue;
      }
      if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
    return j;
  }
  let j = i;
  while (j < text.length && !isSpace(text[j]) && text[j] !== ',' && text[j] !== '}' && text[j] !== ']') j++;
  return j;
}

/** The offset just past the string literal whose opening quote is at `i` (escapes honoured). */
function skipString(text: string, i: number): number {
  let j = i + 1;
  while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
  return Math.min(j + 1, text.length);
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text[i])) i++;
  return i;
}

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

/** The value of a JSON string literal, or null when it is not one. */
function stringValue(literal: string): string | null {
  try {
    const value: unknown = JSON.parse(literal);
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}
