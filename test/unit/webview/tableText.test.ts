import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { LayerAnalysis } from '../../../src/protocol/payloads';
import { COLUMNS } from '../../../webview/model/columns';
import { csvField, tableCsv, tableTsv, tsvField } from '../../../webview/model/tableText';
import { Rng } from '../../helpers/random';
import { analysed, layerRow } from './fakeLayers';

/** An RFC 4180 reader, written independently of the writer, to read the CSV back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  assert.equal(field, '');
  return rows;
}

const ALPHABET = 'ab,"\n\r\t =+-@.xyz_';

/** OWASP's list of the characters that make a spreadsheet read a cell as a formula. */
const FORMULA_STARTS = ['=', '+', '-', '@', '\t', '\r'];

function randomName(rng: Rng): string {
  let s = '';
  for (let i = rng.int(1, 20); i > 0; i--) s += ALPHABET[rng.int(0, ALPHABET.length - 1)];
  return s;
}

test('CSV fields are quoted when needed and read back to the same text', () => {
  for (let trial = 0; trial < 200; trial++) {
    const rng = Rng.fresh();
    const text = randomName(rng);
    const field = csvField(text);
    assert.deepEqual(parseCsv(`${field}\r\n`), [[text]], `${JSON.stringify(text)} ${rng.tag}`);
    if (!/[",\r\n]/.test(text)) assert.equal(field, text);
  }
  assert.equal(tsvField('a\tb\nc'), 'a b c');
});

test('the table as CSV has every row, raw full-precision numbers and the shape as text', () => {
  const rng = Rng.fresh();
  const count = rng.int(3, 30);
  const rows = Array.from({ length: count }, (_, i) => layerRow(i, { name: randomName(rng), rows: rng.int(1, 4096), cols: rng.int(1, 4096), alpha: rng.uniform(0, 64) }));
  const results = new Map<number, LayerAnalysis>();
  for (const row of rows)
    if (rng.next() < 0.7)
      results.set(
        row.index,
        analysed(
          row.index,
          Array.from({ length: 6 }, () => rng.uniform(1e-6, 10)).sort((a, b) => b - a),
        ),
      );
  const parsed = parseCsv(tableCsv(COLUMNS, rows, results));
  assert.equal(parsed.length, count + 1, rng.tag);
  assert.deepEqual(
    parsed[0],
    COLUMNS.map((c) => c.label),
  );
  const col = (key: string) => COLUMNS.findIndex((c) => c.key === key);
  rows.forEach((row, i) => {
    const cells = parsed[i + 1];
    const name = FORMULA_STARTS.includes(row.name[0]) ? `'${row.name}` : row.name;
    assert.equal(cells[col('module')], name, rng.tag);
    assert.equal(cells[col('shape')], `${row.rows}×${row.cols}`, rng.tag);
    assert.equal(Number(cells[col('alpha')]), row.alpha, `alpha exact ${rng.tag}`);
    const result = results.get(row.index);
    if (result?.status === 'ok') assert.equal(Number(cells[col('sigma1')]), result.metrics.sigma1, `σ1 exact ${rng.tag}`);
    else assert.equal(cells[col('sigma1')], '', `pending σ1 is empty ${rng.tag}`);
  });
});

test('TSV has a header and one line per row, with no tab or line break inside a cell', () => {
  const rng = Rng.fresh();
  const rows = Array.from({ length: rng.int(1, 10) }, (_, i) => layerRow(i, { name: randomName(rng) }));
  const tsv = tableTsv(COLUMNS, rows, new Map());
  const lines = tsv.split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, rows.length + 1, rng.tag);
  for (const line of lines) assert.equal(line.split('\t').length, COLUMNS.length, `${JSON.stringify(line)} ${rng.tag}`);
});

test('a text cell starting with any formula character, tab and carriage return included, gets an apostrophe', () => {
  const rng = Rng.fresh();
  for (const start of FORMULA_STARTS) {
    const name = `${start}cmd|' /C calc'!A0${randomName(rng)}`;
    const rows = [layerRow(0, { name })];
    const csvCell = parseCsv(tableCsv(COLUMNS, rows, new Map()))[1][COLUMNS.findIndex((c) => c.key === 'module')];
    assert.equal(csvCell, `'${name}`, `CSV ${JSON.stringify(name)} ${rng.tag}`);
    const tsvCell = tableTsv(COLUMNS, rows, new Map()).split('\n')[1].split('\t')[COLUMNS.findIndex((c) => c.key === 'module')];
    assert.ok(tsvCell.startsWith("'"), `TSV ${JSON.stringify(tsvCell)} ${rng.tag}`);
  }
});
