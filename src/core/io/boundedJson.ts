/**
 * JSON text from files, parsed with a bound on nesting. JSON.parse itself does not recurse, but
 * what it builds is later walked recursively (JSON.stringify for `--json` and the worker's
 * messages, structured clone, the report's renderers): a value 400,000 levels deep would
 * overflow the stack there, far from where it was read. So text nested deeper than the bound is
 * refused here, by a scan that does not recurse, before anything is built.
 */

/** Deeper than any real config, index or manifest (they nest a few levels); the strict header parser uses the same bound. */
export const MAX_JSON_DEPTH = 512;

/** JSON text that nests deeper than the bound; the message says how deep it goes and what the bound is. */
export class JsonTooDeepError extends Error {
  override readonly name = 'JsonTooDeepError';

  constructor(readonly maxDepth: number) {
    super(`it nests arrays and objects more than ${maxDepth} levels deep`);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * JSON.parse of `text` once a linear scan has found no nesting deeper than `maxDepth`. Throws
 * JsonTooDeepError for deeper text and JSON.parse's SyntaxError for text that is not JSON.
 */
export function parseBoundedJson(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (nestingExceeds(text, maxDepth)) throw new JsonTooDeepError(maxDepth);
  return JSON.parse(text) as unknown;
}

/** Whether brackets and braces outside strings nest deeper than `maxDepth` (malformed text is left to JSON.parse). */
function nestingExceeds(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth--;
  }
  return false;
}
