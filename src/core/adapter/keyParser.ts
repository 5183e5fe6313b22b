/**
 * The parser of PEFT pattern keys for `keyMatcher.ts`: the supported subset of Python's regular
 * expression syntax to a small syntax tree, refusing everything else with the reason.
 */

/** Groups nested deeper than this are refused (the parser's recursion depth stays constant). */
const MAX_GROUP_DEPTH = 16;
/** `{n,m}` bounds above this are refused: each repetition is a copy of its atom. */
const MAX_REPEAT = 64;

/** `.` and `$` treat a newline specially, as Python does. */
export const NEWLINE = 10;

/** One character predicate: ranges of code points and class escapes, possibly negated. */
export interface CharSet {
  readonly negated: boolean;
  /** Inclusive [lo, hi] code-point pairs, flattened. */
  readonly ranges: readonly number[];
  /** Class escapes: d, w, s (and their negations D, W, S). */
  readonly classes: readonly string[];
}

export type Ast =
  | { readonly t: 'char'; readonly set: CharSet }
  | { readonly t: 'seq'; readonly items: readonly Ast[] }
  | { readonly t: 'alt'; readonly options: readonly Ast[] }
  | { readonly t: 'star' | 'plus' | 'opt'; readonly node: Ast }
  | { readonly t: 'bol' | 'eol' };

/** Thrown inside the parser; becomes a refusal with its message. */
export class Refusal extends Error {}

const NON_ASCII_DIGIT = /\p{Nd}/u;
const NON_ASCII_WORD = /[\p{L}\p{N}]/u;
const NON_ASCII_SPACE = /[\s\x85]/u;

function inClass(cls: string, c: number): boolean {
  const lower = cls.toLowerCase();
  let hit: boolean;
  if (lower === 'd') hit = c < 128 ? c >= 48 && c <= 57 : NON_ASCII_DIGIT.test(String.fromCodePoint(c));
  else if (lower === 'w') hit = c < 128 ? (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 : NON_ASCII_WORD.test(String.fromCodePoint(c));
  else hit = c < 128 ? (c >= 9 && c <= 13) || (c >= 28 && c <= 32) : c !== 0xfeff && NON_ASCII_SPACE.test(String.fromCodePoint(c));
  return cls === lower ? hit : !hit;
}

/** Whether code point `c` is in the set; `\d \w \s` follow Python's str patterns (Unicode). */
export function inSet(set: CharSet, c: number): boolean {
  let hit = false;
  for (let i = 0; i < set.ranges.length && !hit; i += 2) hit = c >= set.ranges[i] && c <= set.ranges[i + 1];
  for (let i = 0; i < set.classes.length && !hit; i++) hit = inClass(set.classes[i], c);
  return set.negated ? !hit : hit;
}

const single = (c: number): CharSet => ({ negated: false, ranges: [c, c], classes: [] });
/** The set of `.`: anything but a newline. Plain-key detection compares against this object. */
export const DOT: CharSet = { negated: true, ranges: [NEWLINE, NEWLINE], classes: [] };
const CONTROL_ESCAPES: Readonly<Record<string, number>> = { n: 10, t: 9, r: 13, f: 12, v: 11 };

/** A recursive-descent parser of the subset; recursion is bounded by MAX_GROUP_DEPTH. */
export class Parser {
  private readonly chars: readonly string[];
  private pos = 0;

  constructor(key: string) {
    this.chars = Array.from(key);
  }

  parse(): Ast {
    const ast = this.alternation(0);
    if (this.pos < this.chars.length) throw new Refusal('it has an unbalanced ")"');
    return ast;
  }

  private peek(offset = 0): string | undefined {
    return this.chars[this.pos + offset];
  }

  private alternation(depth: number): Ast {
    const options = [this.sequence(depth)];
    while (this.peek() === '|') {
      this.pos++;
      options.push(this.sequence(depth));
    }
    return options.length === 1 ? options[0] : { t: 'alt', options };
  }

  private sequence(depth: number): Ast {
    const items: Ast[] = [];
    for (let c = this.peek(); c !== undefined && c !== '|' && c !== ')'; c = this.peek()) {
      const atom = this.atom(depth);
      items.push(this.quantified(atom));
    }
    return items.length === 1 ? items[0] : { t: 'seq', items };
  }

  private atom(depth: number): Ast {
    const c = this.chars[this.pos++];
    switch (c) {
      case '(':
        return this.group(depth);
      case '[':
        return { t: 'char', set: this.charClass() };
      case '.':
        return { t: 'char', set: DOT };
      case '^':
        return { t: 'bol' };
      case '$':
        return { t: 'eol' };
      case '\\':
        return { t: 'char', set: this.escape(false) };
      case '*':
      case '+':
      case '?':
        throw new Refusal(`"${c}" has nothing to repeat`);
      case '{':
        throw new Refusal('a "{" that is not a repetition count after a single character is not supported');
      default:
        return { t: 'char', set: single(c.codePointAt(0) as number) };
    }
  }

  private group(depth: number): Ast {
    if (this.peek() === '?') {
      if (this.peek(1) !== ':') throw new Refusal('"(?" groups (lookaround, flags, named groups) are not supported');
      this.pos += 2;
    }
    if (depth + 1 > MAX_GROUP_DEPTH) throw new Refusal(`its groups nest more than ${MAX_GROUP_DEPTH} deep`);
    const inner = this.alternation(depth + 1);
    if (this.peek() !== ')') throw new Refusal('it has an unbalanced "("');
    this.pos++;
    return { t: 'seq', items: [inner] };
  }

  private quantified(atom: Ast): Ast {
    const q = this.peek();
    if (q !== '*' && q !== '+' && q !== '?' && !(q === '{' && this.repeatAhead())) return atom;
    const isGroup = atom.t !== 'char';
    if (atom.t === 'bol' || atom.t === 'eol') throw new Refusal('a repeated anchor is not supported');
    if (isGroup && q !== '?') throw new Refusal(`a repeated group "(…)${q}" is not supported (it can take exponential time in PEFT's own matcher)`);
    let result: Ast;
    if (q === '{') result = this.counted(atom);
    else {
      this.pos++;
      result = { t: q === '*' ? 'star' : q === '+' ? 'plus' : 'opt', node: atom };
    }
    if (this.peek() === '?') this.pos++;
    const after = this.peek();
    if (after === '*' || after === '+' || after === '?' || (after === '{' && this.repeatAhead()))
      throw new Refusal('a repeated repetition (nested quantifiers, possessive quantifiers) is not supported');
    return result;
  }

  /** True when `{` at the cursor starts `{n}`, `{n,}` or `{n,m}`. */
  private repeatAhead(): boolean {
    const first = this.pos + 1;
    let i = first;
    while (this.chars[i] !== undefined && /[0-9]/.test(this.chars[i])) i++;
    if (i === first) return false;
    if (this.chars[i] === '}') return true;
    if (this.chars[i] !== ',') return false;
    i++;
    while (this.chars[i] !== undefined && /[0-9]/.test(this.chars[i])) i++;
    return this.chars[i] === '}';
  }

  private counted(atom: Ast): Ast {
    const close = this.chars.indexOf('}', this.pos);
    const body = this.chars.slice(this.pos + 1, close).join('');
    this.pos = close + 1;
    const [lowText, highText] = body.split(',');
    const low = Number(lowText);
    const high = highText === undefined ? low : highText === '' ? Infinity : Number(highText);
    if (low > MAX_REPEAT || (high !== Infinity && high > MAX_REPEAT)) throw new Refusal(`a repetition count above ${MAX_REPEAT} is not supported`);
    if (high < low) throw new Refusal(`the repetition {${body}} has its bounds in the wrong order`);
    const items: Ast[] = [];
    for (let i = 0; i < low; i++) items.push(atom);
    if (high === Infinity) items.push({ t: 'star', node: atom });
    else for (let i = low; i < high; i++) items.push({ t: 'opt', node: atom });
    return { t: 'seq', items };
  }

  private escape(inClassSet: boolean): CharSet {
    const c = this.chars[this.pos++];
    if (c === undefined) throw new Refusal('it ends with a lone "\\"');
    if ('dwsDWS'.includes(c)) return { negated: false, ranges: [], classes: [c] };
    if (c in CONTROL_ESCAPES) return single(CONTROL_ESCAPES[c]);
    if (/[0-9]/.test(c)) throw new Refusal(`the escape "\\${c}" (a back-reference or octal code) is not supported`);
    if (/[A-Za-z]/.test(c)) throw new Refusal(`the escape "\\${c}" is not supported${inClassSet ? ' inside [...]' : ''}`);
    return single(c.codePointAt(0) as number);
  }

  private charClass(): CharSet {
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.pos++;
    }
    // Python reads a leading "]" as a literal; JavaScript as an empty class. Too ambiguous to guess.
    if (this.peek() === ']') throw new Refusal('a "]" first in a character class is not supported (escape it as "\\]")');
    const ranges: number[] = [];
    const classes: string[] = [];
    while (this.peek() !== ']') {
      if (this.peek() === undefined) throw new Refusal('it has an unterminated character class "["');
      const lo = this.classItem();
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
        this.pos++;
        const hi = this.classItem();
        if (lo.classes.length || hi.classes.length) throw new Refusal('a range with a class escape (like "\\d-z") is not supported');
        if (hi.ranges[0] < lo.ranges[0]) throw new Refusal('a character range has its ends in the wrong order');
        ranges.push(lo.ranges[0], hi.ranges[0]);
      } else {
        ranges.push(...lo.ranges);
        classes.push(...lo.classes);
      }
    }
    this.pos++;
    return { negated, ranges, classes };
  }

  private classItem(): CharSet {
    const c = this.chars[this.pos++];
    return c === '\\' ? this.escape(true) : single(c.codePointAt(0) as number);
  }
}
