import { DOT, inSet, NEWLINE, Parser, Refusal, type Ast, type CharSet } from './keyParser';

/**
 * A linear-time matcher for PEFT's `rank_pattern` / `alpha_pattern` keys. PEFT tests a key with
 * Python's `re.match(rf"(.*\.)?({key})$", name)`; a backtracking engine fed a key from a config
 * can take exponential time (`(a+)+` against a 41-character name never ends). Here a key of a
 * safe subset of Python's syntax is compiled to a Thompson NFA and simulated one name character
 * at a time, so a test costs at most O(states × length of the name) steps, each counted against
 * a caller's budget. What the subset leaves out is refused with the reason, never approximated.
 *
 * The subset (Python semantics): literal characters; `.` (any character but a newline); escapes
 * `\.` and other escaped punctuation, `\d \w \s \D \W \S`, `\n \t \r \f \v`; character classes
 * `[…]` and `[^…]` with ranges and those escapes; groups `(…)`, `(?:…)` with `|` alternation;
 * `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}` (also lazy) on a single character, class or `.`; `?` on
 * a group; the anchors `^` and `$`.
 */

/** Keys longer than this are refused: real keys are module paths, well under 200 characters. */
export const MAX_KEY_LENGTH = 512;
/** NFA size bound; with MAX_KEY_LENGTH it keeps a step to a few thousand states at most. */
const MAX_STATES = 4096;

const enum Op {
  Char,
  Split,
  Bol,
  Eol,
  Match,
}

/** A compiled key: the NFA of `key` followed by `$`, entered at each place `(.*\.)?` allows. */
export interface CompiledKey {
  readonly ops: Uint8Array;
  readonly out1: Int32Array;
  readonly out2: Int32Array;
  /** Per Char state, its predicate. */
  readonly sets: readonly (CharSet | undefined)[];
  readonly start: number;
  /** When the key is a run of single characters (most keys are module paths): one predicate each. */
  readonly fixed: readonly CharSet[] | null;
  /** When the key is ASCII characters and `.` only: its text and where its `.` wildcards are. */
  readonly plain: PlainKey | null;
}

/** A key such as `model.layers.3.self_attn.q_proj`, matched by lookup instead of simulation. */
export interface PlainKey {
  /** The key's text with each wildcard `.` and each escaped `\.` written as ".". */
  readonly text: string;
  /** Offsets of the wildcard `.`s (they match any character but a newline). */
  readonly wildcards: readonly number[];
}

export type KeyCompilation = { readonly ok: true; readonly key: CompiledKey } | { readonly ok: false; readonly reason: string };

/** Compiles one pattern key, or says why it is refused. */
export function compileKey(key: string): KeyCompilation {
  if (key.length > MAX_KEY_LENGTH) return { ok: false, reason: `it is ${key.length} characters long, more than ${MAX_KEY_LENGTH}` };
  try {
    const ast = new Parser(key).parse();
    const fixed = fixedRun(ast);
    return { ok: true, key: { ...new NfaBuilder().build(ast), fixed, plain: fixed && plainKey(fixed) } };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, reason: error.message };
    throw error;
  }
}

/** A step budget shared by many tests; `left` goes down by one per NFA state visited. */
export interface StepBudget {
  left: number;
}

/**
 * Whether `name` (as code points) matches PEFT's `(.*\.)?(key)$`; null when the budget ran out
 * first. At most (states + 1) × (length + 1) steps.
 */
export function matchKey(key: CompiledKey, name: Int32Array, budget: StepBudget): boolean | null {
  if (key.fixed) return matchFixed(key.fixed, name, budget);
  const n = name.length;
  const size = key.ops.length;
  let current = new Int32Array(size);
  let next = new Int32Array(size);
  const mark = new Int32Array(size).fill(-1);
  const stack = new Int32Array(size);
  let count = 0;
  // `.*` cannot cross a newline, so no start after one.
  let newlineSeen = false;
  const isStart = (pos: number): boolean => pos === 0 || (name[pos - 1] === 46 && !newlineSeen);
  const atEnd = (pos: number): boolean => pos === n || (pos === n - 1 && name[n - 1] === NEWLINE);

  /** Adds `state` and its ε-closure at `pos` to `list`; false when the budget is spent. */
  const add = (list: Int32Array, length: number, state: number, pos: number): number => {
    let top = 0;
    stack[top++] = state;
    while (top > 0) {
      const s = stack[--top];
      if (mark[s] === pos) continue;
      mark[s] = pos;
      if (--budget.left < 0) return -1;
      switch (key.ops[s]) {
        case Op.Split:
          stack[top++] = key.out2[s];
          stack[top++] = key.out1[s];
          break;
        case Op.Bol:
          if (pos === 0) stack[top++] = key.out1[s];
          break;
        case Op.Eol:
          if (atEnd(pos)) stack[top++] = key.out1[s];
          break;
        default:
          list[length++] = s;
      }
    }
    return length;
  };

  let pos = 0;
  while (true) {
    if (isStart(pos)) {
      count = add(current, count, key.start, pos);
      if (count < 0) return null;
    }
    for (let i = 0; i < count; i++) if (key.ops[current[i]] === Op.Match) return true;
    if (pos === n) return false;
    if (count === 0) {
      // Nothing alive: skip to the next place a match may start.
      while (pos < n && !isStart(pos + 1)) {
        if (name[pos] === NEWLINE) newlineSeen = true;
        pos++;
        if (--budget.left < 0) return null;
      }
      if (pos === n) return false;
      if (name[pos] === NEWLINE) newlineSeen = true;
      pos++;
      continue;
    }
    const c = name[pos];
    let nextCount = 0;
    for (let i = 0; i < count; i++) {
      const s = current[i];
      if (key.ops[s] === Op.Char && inSet(key.sets[s] as CharSet, c)) {
        nextCount = add(next, nextCount, key.out1[s], pos + 1);
        if (nextCount < 0) return null;
      }
    }
    if (c === NEWLINE) newlineSeen = true;
    [current, next] = [next, current];
    count = nextCount;
    pos++;
  }
}

/**
 * A run of single characters of length L can only match the last L characters (or the L before
 * a final newline, as Python's `$` allows), checked from the end, where names differ most.
 */
function matchFixed(fixed: readonly CharSet[], name: Int32Array, budget: StepBudget): boolean | null {
  const n = name.length;
  const length = fixed.length;
  const ends = n > 0 && name[n - 1] === NEWLINE ? [n, n - 1] : [n];
  for (const end of ends) {
    const start = end - length;
    if (start < 0 || (start > 0 && name[start - 1] !== 46)) continue;
    let i = length - 1;
    for (; i >= 0; i--) {
      if (--budget.left < 0) return null;
      if (!inSet(fixed[i], name[start + i])) break;
    }
    if (i >= 0) continue;
    // `.*` before the final dot cannot cross a newline.
    budget.left -= start;
    if (budget.left < 0) return null;
    if (start === 0 || name.subarray(0, start - 1).indexOf(NEWLINE) < 0) return true;
  }
  return false;
}

/** The predicates of a key that is only single characters in a row, else null. */
function fixedRun(ast: Ast): CharSet[] | null {
  if (ast.t === 'char') return [ast.set];
  if (ast.t !== 'seq') return null;
  const sets: CharSet[] = [];
  for (const item of ast.items) {
    if (item.t !== 'char') return null;
    sets.push(item.set);
  }
  return sets;
}

function plainKey(fixed: readonly CharSet[]): PlainKey | null {
  let text = '';
  const wildcards: number[] = [];
  for (let i = 0; i < fixed.length; i++) {
    const set = fixed[i];
    if (set === DOT) {
      wildcards.push(i);
      text += '.';
      continue;
    }
    const [lo, hi] = set.ranges;
    if (set.negated || set.classes.length > 0 || set.ranges.length !== 2 || lo !== hi || lo >= 128 || lo === NEWLINE) return null;
    text += String.fromCharCode(lo);
  }
  return { text, wildcards };
}

/** The code points of a name, so that `.` and classes see characters as Python does. */
export function codePointsOf(name: string): Int32Array {
  const out = new Int32Array(name.length);
  let n = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.codePointAt(i) as number;
    out[n++] = c;
    if (c > 0xffff) i++;
  }
  return out.subarray(0, n);
}

/** Thompson's construction, built back to front (each piece is compiled knowing its successor). */
class NfaBuilder {
  private readonly ops: Op[] = [];
  private readonly out1: number[] = [];
  private readonly out2: number[] = [];
  private readonly sets: (CharSet | undefined)[] = [];

  build(ast: Ast): Omit<CompiledKey, 'fixed' | 'plain'> {
    const match = this.state(Op.Match, -1);
    const end = this.state(Op.Eol, match);
    const start = this.compile(ast, end, 0);
    return { ops: Uint8Array.from(this.ops), out1: Int32Array.from(this.out1), out2: Int32Array.from(this.out2), sets: this.sets, start };
  }

  private state(op: Op, next: number, alt = -1, set?: CharSet): number {
    if (this.ops.length >= MAX_STATES) throw new Refusal(`it needs more than ${MAX_STATES} matcher states`);
    this.ops.push(op);
    this.out1.push(next);
    this.out2.push(alt);
    this.sets.push(set);
    return this.ops.length - 1;
  }

  /** The entry state of `ast` followed by `next`. Depth is bounded by the parser's group limit. */
  private compile(ast: Ast, next: number, depth: number): number {
    switch (ast.t) {
      case 'char':
        return this.state(Op.Char, next, -1, ast.set);
      case 'bol':
        return this.state(Op.Bol, next);
      case 'eol':
        return this.state(Op.Eol, next);
      case 'seq': {
        let entry = next;
        for (let i = ast.items.length - 1; i >= 0; i--) entry = this.compile(ast.items[i], entry, depth + 1);
        return entry;
      }
      case 'alt': {
        let entry = this.compile(ast.options[ast.options.length - 1], next, depth + 1);
        for (let i = ast.options.length - 2; i >= 0; i--) entry = this.state(Op.Split, this.compile(ast.options[i], next, depth + 1), entry);
        return entry;
      }
      case 'opt':
        return this.state(Op.Split, this.compile(ast.node, next, depth + 1), next);
      case 'star':
      case 'plus': {
        // Only single characters repeat, so the loop always consumes input.
        const loop = this.state(Op.Split, -1, next);
        const body = this.compile(ast.node, loop, depth + 1);
        this.out1[loop] = body;
        return ast.t === 'star' ? loop : body;
      }
    }
  }
}
