/** A member name of the config's top-level object, and where its string literal sits in the text. */
export interface ConfigKeyHit {
  readonly key: string;
  /** Offsets of the literal, quotes included. */
  readonly start: number;
  readonly end: number;
}

/**
 * The top-level key whose string literal holds `offset` in JSON `text`, or null. One pass over
 * the text up to the offset and through the literal, tracking strings and nesting depth (no
 * pattern built from the text), so its cost is bounded by the text's length.
 */
export function configKeyAt(text: string, offset: number): ConfigKeyHit | null {
  let depth = 0;
  let i = 0;
  while (i < text.length && i <= offset) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      i++;
      let escaped = false;
      while (i < text.length && (escaped || text[i] !== '"')) {
        escaped = !escaped && text[i] === '\\';
        i++;
      }
      const end = Math.min(i + 1, text.length);
      if (offset >= start && offset < end) return depth === 1 && isKey(text, end) ? keyOf(text, start, end) : null;
      i = end;
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    i++;
  }
  return null;
}

/** Whether a `:` follows the literal ending at `end` (after blanks): the string is a member name. */
function isKey(text: string, end: number): boolean {
  let j = end;
  while (j < text.length && (text[j] === ' ' || text[j] === '\t' || text[j] === '\r' || text[j] === '\n')) j++;
  return text[j] === ':';
}

function keyOf(text: string, start: number, end: number): ConfigKeyHit | null {
  try {
    const key: unknown = JSON.parse(text.slice(start, end));
    return typeof key === 'string' ? { key, start, end } : null;
  } catch {
    return null;
  }
}
