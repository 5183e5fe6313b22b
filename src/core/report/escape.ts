/**
 * The one escaping policy for text that comes from files (tensor and module names, metadata and
 * config values, paths, and messages that quote them), per output format. Every writer of a
 * report, table, message or export goes through these functions, so a name shows the same way
 * everywhere and none can drive a terminal, reorder a line, run as a spreadsheet formula or
 * inject Markdown or HTML.
 *
 * Unsafe code points: controls (C0, DEL, C1), format characters (bidirectional embeddings,
 * overrides, isolates and marks, zero-width characters, BOM, soft hyphen, tag characters),
 * line and paragraph separators, and lone surrogates. Each is shown as a visible escape:
 * `\u001b`, `\u202e`, `\u{e0041}`.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/** Unsafe code points other than a line break (LF, or CR LF), for text whose lines are ours. */
const UNSAFE_BUT_NEWLINE = /(?!\n|\r\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/** Unsafe code points other than JSON whitespace (JSON.stringify has escaped those inside strings). */
const UNSAFE_IN_JSON = /(?![\t\n\r])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

const ANY_UNSAFE = new RegExp(UNSAFE.source, 'u');

/** True when `text` holds no unsafe code point (line breaks count as unsafe). */
export function isSafeText(text: string): boolean {
  return !ANY_UNSAFE.test(text);
}

function visible(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Terminal text: every unsafe code point, line breaks and tabs included, shown as an escape. */
export function textSafe(text: string): string {
  return text.replace(UNSAFE, visible);
}

/** `\u200c` or `\u{e0041}`, as `visible` writes them (lowercase hex; braces only above U+FFFF). */
const ESCAPE = /\\u\{([0-9a-f]{5,6})\}|\\u([0-9a-f]{4})/g;

/**
 * Undoes textSafe, for a program reading its own output back: each escape textSafe would have
 * written (that of an unsafe code point) becomes that code point; other text is kept. Not
 * exact when the original held the six characters `\u200c` itself; callers that can check
 * the result (a shard key against its hash) try both.
 */
export function textUnsafe(text: string): string {
  return text.replace(ESCAPE, (escape: string, wide: string | undefined, narrow: string | undefined) => {
    const code = parseInt(wide ?? narrow ?? '', 16);
    if (code > 0x10ffff || (wide !== undefined && code <= 0xffff)) return escape;
    const c = String.fromCodePoint(code);
    return isSafeText(c) ? escape : c;
  });
}

/**
 * A whole terminal output whose line breaks are ours: unsafe code points other than `\n` shown
 * as escapes (a CR before LF, as CSV ends its lines, is kept). The last guard before stdout or
 * stderr; the fields should already have gone through textSafe so that tables line up.
 */
export function linesSafe(text: string): string {
  return text.replace(UNSAFE_BUT_NEWLINE, visible);
}

/**
 * Leading characters a spreadsheet takes for a formula (OWASP's list). Text that already starts
 * with apostrophes before one of them is guarded too, so that csvUnguard can tell a guard from
 * an apostrophe of the text's own (`'@x` is written `''@x`).
 */
const FORMULA_START = /^'*[=+\-@\t\r]/;

/**
 * One RFC 4180 CSV cell. Numbers keep full precision (String of a double round-trips); a
 * non-finite number or null is an empty cell. Text has its unsafe code points shown as escapes
 * (so a cell never holds a line break), gets an apostrophe when a spreadsheet would run it as a
 * formula (leading `=` `+` `-` `@` tab CR), and is quoted when it holds a comma or quote.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = textSafe(value);
  const guarded = FORMULA_START.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

/** Undoes csvCell's apostrophe on formula-like text, for a program reading its own CSV back. */
export function csvUnguard(cell: string): string {
  return /^'+[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
}

/** One tab-separated cell (a clipboard table): as a CSV cell's text, tabs and line breaks shown as escapes. */
export function tsvCell(value: string): string {
  const text = textSafe(value);
  return FORMULA_START.test(text) ? `'${text}` : text;
}

const MARKDOWN_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * Markdown text (a table cell, a list item, a heading): line breaks become spaces, other unsafe
 * code points show as escapes, `&` `<` `>` become entities (no HTML can start) and the
 * punctuation Markdown acts on (`\` `` ` `` `*` `_` `[` `]` `(` `)` `{` `}` `#` `+` `!` `|` `~` `$`)
 * is backslash-escaped, so the text renders as itself and cannot make a link, an image or a
 * table cell of its own.
 */
export function markdownCell(text: string): string {
  return textSafe(text.replace(/\r\n|[\r\n]/g, ' '))
    .replace(/[\\`*_{}[\]()#+!|~$]/g, (c) => `\\${c}`)
    .replace(/[&<>]/g, (c) => MARKDOWN_ENTITIES[c]);
}

/** A link destination for Markdown: characters that would end or break it are percent-encoded. */
export function markdownLinkTarget(url: string): string {
  return textSafe(url).replace(/[()<>\s\\`]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * JSON text of a value, as JSON.stringify writes it, with the unsafe code points it leaves raw
 * (DEL, C1, bidirectional and zero-width characters, separators) written as `\uXXXX` escapes:
 * the value read back is the same, and the text is safe to print or open in an editor.
 */
export function jsonText(value: unknown, replacer?: (this: unknown, key: string, value: unknown) => unknown, space?: number): string {
  return jsonSafe(JSON.stringify(value, replacer, space) ?? 'null');
}

/** jsonText's pass over text JSON.stringify wrote; those code points can only stand inside strings there. */
export function jsonSafe(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (c) => {
    let out = '';
    for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return out;
  });
}
