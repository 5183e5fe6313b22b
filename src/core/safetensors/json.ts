/**
 * A strict JSON parser (RFC 8259) for safetensors headers. JSON.parse silently keeps the last
 * of two equal keys and reorders integer-like keys; a header must refuse the first and keep
 * tensor order, so objects come back as Maps in document order and duplicates are errors.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export type JsonObject = Map<string, JsonValue>;

/**
 * Where and why the text is not JSON. For a repeated key, `duplicate` is the key and `path` the
 * keys of the objects around it, outermost first ('[]' for an array on the way), so a header
 * error can name the tensor whose entry repeats a field.
 */
export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';

  constructor(
    message: string,
    readonly position: number,
    readonly duplicate?: string,
    readonly path: readonly string[] = [],
  ) {
    super(message);
  }
}

/** Nesting deeper than this is refused rather than risking the call stack. */
const MAX_DEPTH = 512;

const enum Ch {
  Tab = 9,
  Lf = 10,
  Cr = 13,
  Space = 32,
  Quote = 34,
  Plus = 43,
  Comma = 44,
  Minus = 45,
  Dot = 46,
  Zero = 48,
  Nine = 57,
  Colon = 58,
  UpperE = 69,
  OpenBracket = 91,
  Backslash = 92,
  CloseBracket = 93,
  LowerE = 101,
  LowerF = 102,
  LowerN = 110,
  LowerT = 116,
  OpenBrace = 123,
  CloseBrace = 125,
}

/** Parses one JSON document (surrounding whitespace allowed). */
export function parseStrictJson(text: string): JsonValue {
  const parser = new Parser(text);
  parser.skipWhitespace();
  const value = parser.value(0);
  parser.skipWhitespace();
  if (parser.pos !== text.length) parser.fail('unexpected text after the JSON value');
  return value;
}

class Parser {
  pos = 0;
  /** The key being read at each object depth ('[]' for arrays): the path for duplicate errors. */
  private readonly keys: string[] = [];

  constructor(private readonly text: string) {}

  fail(message: string, duplicate?: string, depth = 0): never {
    throw new JsonSyntaxError(`${message} at offset ${this.pos}`, this.pos, duplicate, duplicate === undefined ? [] : this.keys.slice(1, depth));
  }

  skipWhitespace(): void {
    const t = this.text;
    let p = this.pos;
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === Ch.Space || c === Ch.Lf || c === Ch.Cr || c === Ch.Tab) p++;
      else break;
    }
    this.pos = p;
  }

  value(depth: number): JsonValue {
    const c = this.text.charCodeAt(this.pos);
    if (c === Ch.OpenBrace) return this.object(depth + 1);
    if (c === Ch.OpenBracket) return this.array(depth + 1);
    if (c === Ch.Quote) return this.string();
    if (c === Ch.Minus || (c >= Ch.Zero && c <= Ch.Nine)) return this.number();
    if (c === Ch.LowerT && this.text.startsWith('true', this.pos)) return this.literal(4, true);
    if (c === Ch.LowerF && this.text.startsWith('false', this.pos)) return this.literal(5, false);
    if (c === Ch.LowerN && this.text.startsWith('null', this.pos)) return this.literal(4, null);
    return this.fail(Number.isNaN(c) ? 'unexpected end of text' : `unexpected character ${JSON.stringify(this.text[this.pos])}`);
  }

  private literal<T>(length: number, value: T): T {
    this.pos += length;
    return value;
  }

  private object(depth: number): JsonObject {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    const out: JsonObject = new Map();
    this.pos++;
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === Ch.CloseBrace) {
      this.pos++;
      return out;
    }
    for (;;) {
      if (this.text.charCodeAt(this.pos) !== Ch.Quote) this.fail('expected a string key');
      const keyStart = this.pos;
      const key = this.string();
      if (out.has(key)) {
        this.pos = keyStart;
        this.fail(`duplicate key ${JSON.stringify(key)}`, key, depth);
      }
      this.keys[depth] = key;
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos) !== Ch.Colon) this.fail('expected ":"');
      this.pos++;
      this.skipWhitespace();
      out.set(key, this.value(depth));
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos);
      this.pos++;
      if (c === Ch.CloseBrace) return out;
      if (c !== Ch.Comma) {
        this.pos--;
        this.fail('expected "," or "}"');
      }
      this.skipWhitespace();
    }
  }

  private array(depth: number): JsonValue[] {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    const out: JsonValue[] = [];
    this.keys[depth] = '[]';
    this.pos++;
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === Ch.CloseBracket) {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth));
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos);
      this.pos++;
      if (c === Ch.CloseBracket) return out;
      if (c !== Ch.Comma) {
        this.pos--;
        this.fail('expected "," or "]"');
      }
      this.skipWhitespace();
    }
  }

  private string(): string {
    const t = this.text;
    const start = ++this.pos;
    let p = start;
    // Fast path: no escapes, which is every real tensor name.
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === Ch.Quote) {
        this.pos = p + 1;
        return t.slice(start, p);
      }
      if (c === Ch.Backslash) break;
      if (c < 0x20 || Number.isNaN(c)) {
        this.pos = p;
        this.fail(Number.isNaN(c) ? 'unterminated string' : 'control character in string');
      }
      p++;
    }
    // Slow path: hand the whole literal to JSON.parse, which decodes escapes exactly.
    for (;;) {
      const c = t.charCodeAt(p);
      if (Number.isNaN(c)) {
        this.pos = p;
        this.fail('unterminated string');
      }
      if (c === Ch.Backslash) p += 2;
      else if (c === Ch.Quote) break;
      else p++;
    }
    try {
      const decoded = JSON.parse(t.slice(start - 1, p + 1)) as string;
      this.pos = p + 1;
      return decoded;
    } catch {
      this.pos = start;
      return this.fail('invalid escape in string');
    }
  }

  private number(): number {
    const t = this.text;
    const start = this.pos;
    let p = start;
    const negative = t.charCodeAt(p) === Ch.Minus;
    if (negative) p++;
    const first = t.charCodeAt(p);
    if (first === Ch.Zero) {
      const c = t.charCodeAt(++p);
      if (c !== Ch.Dot && c !== Ch.LowerE && c !== Ch.UpperE) {
        this.pos = p;
        return negative ? -0 : 0;
      }
    } else if (first > Ch.Zero && first <= Ch.Nine) {
      // Fast path for the integers that fill headers (offsets, dimensions): up to 15 digits
      // accumulate exactly, so no substring or Number() call is needed.
      let value = 0;
      let c = first;
      do {
        value = value * 10 + (c - Ch.Zero);
        c = t.charCodeAt(++p);
      } while (c >= Ch.Zero && c <= Ch.Nine);
      if (p - start - (negative ? 1 : 0) <= 15 && c !== Ch.Dot && c !== Ch.LowerE && c !== Ch.UpperE) {
        this.pos = p;
        return negative ? -value : value;
      }
    } else this.fail('invalid number');
    if (t.charCodeAt(p) === Ch.Dot) {
      const after = digits(t, p + 1);
      if (after === p + 1) {
        this.pos = p + 1;
        this.fail('invalid number');
      }
      p = after;
    }
    const e = t.charCodeAt(p);
    if (e === Ch.LowerE || e === Ch.UpperE) {
      p++;
      const sign = t.charCodeAt(p);
      if (sign === Ch.Plus || sign === Ch.Minus) p++;
      const after = digits(t, p);
      if (after === p) {
        this.pos = p;
        this.fail('invalid number');
      }
      p = after;
    }
    this.pos = p;
    return Number(t.slice(start, p));
  }
}

function digits(t: string, p: number): number {
  for (;;) {
    const c = t.charCodeAt(p);
    if (c >= Ch.Zero && c <= Ch.Nine) p++;
    else return p;
  }
}
