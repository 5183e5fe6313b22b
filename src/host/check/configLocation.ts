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
 * The location of `configKey` in `text`: a top-level key of that name, else `field.entry` where
 * `field` is a top-level key: the `entry`-th element of an array (`target_modules.1`) or the
 * member named `entry` of an object (`rank_pattern.model.layers.0.q_proj`). Null when it is not
 * there or the text is not a JSON object where it matters.
 */
export function locateConfigKey(text: string, configKey: string): KeyLocation | null {
  const top = skipSpace(text, text.charCodeAt(0) === 0xfeff ? 1 : 0);
  if (text[top] !== '{') return null;
  const members = objectMembers(text, top);
  const whole = members.find((m) => m.name === configKey);
  if (whole) return { key: whole.key, value: whole.value };
  const dot = configKey.indexOf('.');
  if (dot <= 0) return null;
  const field = members.find((m) => m.name === configKey.slice(0, dot));
  if (!field) return null;
  const entry = configKey.slice(dot + 1);
  const open = text[field.value.start];
  if (open === '{') {
    const member = objectMembers(text, field.value.start).find((m) => m.name === entry);
    return member ? { key: member.key, value: member.value } : null;
  }
  if (open === '[' && /^\d{1,9}$/.test(entry)) {
    const element = arrayElements(text, field.value.start)[Number(entry)];
    return element ? { key: null, value: element } : null;
  }
  return null;
}

/**
 * The zero-based line and column of an offset as an editor shows the text: `\r\n` and `\n` end
 * lines, and a leading byte-order mark (which editors drop) takes no column.
 */
export function positionAt(text: string, offset: number): TextPosition {
  const end = Math.max(0, Math.min(offset, text.length));
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  const bom = line === 0 && end > 0 && text.charCodeAt(0) === 0xfeff ? 1 : 0;
  return { line, character: end - lineStart - bom };
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
