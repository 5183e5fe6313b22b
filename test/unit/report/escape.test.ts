import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { parseCsv } from '../../../src/core/predict/csvCells';
import { csvCell, csvUnguard, jsonText, linesSafe, markdownCell, markdownLinkTarget, textSafe, textUnsafe, tsvCell } from '../../../src/core/report/escape';
import { Rng } from '../../helpers/random';

/** Code points no escaped output may hold raw. */
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/** Characters that attack one output or another, drawn more often than the rest. */
const HOSTILE = [
  '\u0000',
  '\u0007',
  '\u001b',
  '\t',
  '\r',
  '\n',
  '\u007f',
  '\u0085',
  '\u009b',
  '\u00ad',
  '\u061c',
  '\u200b',
  '\u200d',
  '\u200e',
  '\u200f',
  '\u2028',
  '\u2029',
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u2060',
  '\ufeff',
  '\ud800',
  '\udc00',
  '\u{e0041}',
  '=',
  '+',
  '-',
  '@',
  '|',
  '\\',
  '<',
  '>',
  '&',
  '`',
  '*',
  '_',
  '[',
  ']',
  '(',
  ')',
  '"',
  ',',
  '#',
  '!',
  '~',
  '$',
  ' ',
];

/** A random string: hostile characters, ASCII, and any code unit at all (lone surrogates included). */
function randomString(rng: Rng): string {
  const length = Math.floor(rng.next() * 24);
  let s = '';
  for (let i = 0; i < length; i++) {
    const pick = rng.next();
    if (pick < 0.5) s += HOSTILE[Math.floor(rng.next() * HOSTILE.length)];
    else if (pick < 0.8) s += String.fromCharCode(0x20 + Math.floor(rng.next() * 95));
    else s += String.fromCharCode(Math.floor(rng.next() * 0x10000));
  }
  return s;
}

function forEachString(check: (s: string, rng: Rng) => void): void {
  const rng = Rng.fresh();
  for (let i = 0; i < 3000; i++) {
    const s = randomString(rng);
    try {
      check(s, rng);
    } catch (error) {
      assert.fail(`${JSON.stringify(s)}: ${(error as Error).message} ${rng.tag}`);
    }
  }
}

test('textSafe leaves no forbidden code point and changes safe text not at all', () => {
  forEachString((s) => {
    const out = textSafe(s);
    assert.doesNotMatch(out, FORBIDDEN);
    if (!FORBIDDEN.test(s)) assert.equal(out, s);
  });
  assert.equal(textSafe('a\u001b[31mb\u202ec\u{e0041}'), 'a\\u001b[31mb\\u202ec\\u{e0041}');
});

test('textUnsafe undoes textSafe, and leaves escapes textSafe never writes', () => {
  forEachString((s) => {
    // A string holding an escape's text itself reads back as the code point: the one ambiguity.
    if (!/\\u(\{[0-9a-f]+\}|[0-9a-f]{4})/.test(s)) assert.equal(textUnsafe(textSafe(s)), s);
  });
  assert.equal(textUnsafe('a\\u200cb\\u00ad\\u{e0041}\\ud800'), 'a\u200cb\u00ad\u{e0041}\ud800');
  for (const kept of ['\\u0041', '\\u{0041}', '\\u{1f600}', '\\u{200c}', '\\U200C', '\\u20']) assert.equal(textUnsafe(kept), kept, 'not an escape textSafe writes');
});

test('linesSafe keeps line breaks and nothing else unsafe', () => {
  forEachString((s) => {
    const out = linesSafe(s);
    assert.doesNotMatch(out.replace(/\r\n|\n/g, ''), FORBIDDEN);
    assert.equal(out.split('\n').length, s.split('\n').length);
  });
});

test('csvCell: one cell that parses back, no forbidden code point, formulas guarded', () => {
  forEachString((s) => {
    const cell = csvCell(s);
    assert.doesNotMatch(cell, FORBIDDEN);
    const rows = parseCsv(`${cell},x\r\n`);
    assert.ok(rows !== null && rows.length === 1 && rows[0].length === 2, `parses as one cell: ${JSON.stringify(rows)}`);
    const value = rows[0][0];
    assert.doesNotMatch(value, /^[=+\-@\t\r]/, 'a spreadsheet would run it as a formula');
    assert.equal(csvUnguard(value), textSafe(s));
  });
  assert.equal(csvCell("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
  assert.equal(csvCell(-1.5), '-1.5');
  assert.equal(csvCell(Number.NaN), '');
});

test('tsvCell: no tab, line break or forbidden code point, formulas guarded', () => {
  forEachString((s) => {
    const cell = tsvCell(s);
    assert.doesNotMatch(cell, FORBIDDEN);
    assert.doesNotMatch(cell, /^[=+\-@]/);
  });
});

test('markdownCell: no forbidden code point, no raw HTML or Markdown special, one line', () => {
  forEachString((s) => {
    const md = markdownCell(s);
    assert.doesNotMatch(md, FORBIDDEN);
    assert.doesNotMatch(md, /[<>]/, 'no raw angle bracket');
    assert.doesNotMatch(md, /&(?!amp;|lt;|gt;)/, 'every & starts an entity of ours');
    // Every special is preceded by an odd run of backslashes, i.e. escaped.
    for (const m of md.matchAll(/(\\*)([`*_[\]()|#!~${}+])/g)) assert.equal(m[1].length % 2, 1, `unescaped ${m[2]} at ${m.index}`);
  });
  assert.equal(markdownCell('<img src=x onerror=alert(1)>'), '&lt;img src=x onerror=alert\\(1\\)&gt;');
  assert.equal(markdownCell('a\\|b'), 'a\\\\\\|b', 'a backslash before | cannot unescape it');
});

test('markdownLinkTarget: nothing that ends a link destination', () => {
  forEachString((s) => {
    const url = markdownLinkTarget(`command:x?${s}`);
    assert.doesNotMatch(url, FORBIDDEN);
    assert.doesNotMatch(url, /[()<>\s`\\]/);
  });
});

test('jsonText: the same value read back, and no forbidden code point in the text', () => {
  forEachString((s, rng) => {
    const value = { name: s, list: [s, rng.next()], nested: { [s]: s } };
    const text = jsonText(value, undefined, 2);
    assert.doesNotMatch(text.replace(/\n/g, ''), FORBIDDEN);
    // JSON.parse turns a lone surrogate escape back into the lone surrogate: exact round trip.
    assert.deepEqual(JSON.parse(text), value);
  });
  assert.equal(jsonText('a\u202eb\u2066'), '"a\\u202eb\\u2066"');
});
