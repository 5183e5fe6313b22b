import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { base64Of, keepProperty, presentationAttributes, svgDocument } from '../../../webview/export/svgText';
import { checkedExport, exportName, MAX_EXPORT_BYTES } from '../../../src/host/exportFileCheck';
import { Rng } from '../../helpers/random';

test('presentation attributes carry the computed values, empty ones dropped', () => {
  const values = new Map([
    ['fill', 'rgb(55, 148, 255)'],
    ['stroke', ' none '],
    ['font-family', 'system-ui, sans-serif'],
    ['empty', ''],
  ]);
  assert.deepEqual(presentationAttributes(values), [
    ['fill', 'rgb(55, 148, 255)'],
    ['stroke', 'none'],
    ['font-family', 'system-ui, sans-serif'],
  ]);
});

test('the standalone SVG has the namespace, the size, a viewBox and the background first', () => {
  const text = svgDocument('<path d="M0 0"/>', 400.123, 260, 'rgb(30, 30, 30)');
  assert.match(text, /^<\?xml version="1.0"/);
  assert.match(text, /<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]* width="400.12" height="260" viewBox="0 0 400.12 260">/);
  assert.match(text, /<rect width="100%" height="100%" fill="rgb\(30, 30, 30\)"\/><path d="M0 0"\/><\/svg>\n$/);
  assert.doesNotMatch(svgDocument('', 1, 1, 'red"/><x'), /<x/);
  assert.throws(() => svgDocument('', 0, 10, null));
  assert.throws(() => svgDocument('', NaN, 10, null));
});

test('base64 of bytes matches Node for any length, past one chunk', () => {
  for (let trial = 0; trial < 20; trial++) {
    const rng = Rng.fresh();
    const bytes = Uint8Array.from({ length: rng.int(0, 70000) }, () => rng.int(0, 255));
    assert.equal(base64Of(bytes), Buffer.from(bytes).toString('base64'), rng.tag);
  }
});

/** The PNG signature and the start of an IHDR chunk. */
const PNG_START = [137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82];

test('a PNG export must be valid base64 of bytes that start with the PNG signature', () => {
  const rng = Rng.fresh();
  const body = Array.from({ length: rng.int(1, 200) }, () => rng.int(0, 255));
  const good = Buffer.from([...PNG_START, ...body]).toString('base64');
  assert.equal(checkedExport({ name: 'a', kind: 'png', data: good, encoding: 'base64' }).bytes.length, PNG_START.length + body.length, rng.tag);
  // Buffer.from skips characters outside the alphabet; the check must not.
  const at = rng.int(1, good.length - 1);
  for (const junk of ['!', ' ', '\n', '-', '_', '%'])
    assert.throws(
      () => checkedExport({ name: 'a', kind: 'png', data: good.slice(0, at) + junk + good.slice(at), encoding: 'base64' }),
      /base64/,
      `${JSON.stringify(junk)} at ${at} ${rng.tag}`,
    );
  assert.throws(() => checkedExport({ name: 'a', kind: 'png', data: good.slice(0, -1), encoding: 'base64' }), /base64/, rng.tag);
  const notPng = Buffer.from([71, 73, 70, 56, 57, 97, ...body]).toString('base64');
  assert.throws(() => checkedExport({ name: 'a', kind: 'png', data: notPng, encoding: 'base64' }), /PNG/, rng.tag);
  assert.throws(() => checkedExport({ name: 'a', kind: 'png', data: 'plain text', encoding: 'utf8' }), /PNG/, rng.tag);
});

test('an SVG export with script, event handlers, foreignObject or javascript: links is refused', () => {
  const plain = svgDocument('<g><path d="M0 0" fill="rgb(1, 2, 3)"/><text x="1" y="2">layers.0.q_proj on = 3</text></g>', 100, 50, 'rgb(0, 0, 0)');
  assert.equal(new TextDecoder().decode(checkedExport({ name: 'c', kind: 'svg', data: plain, encoding: 'utf8' }).bytes), plain);
  for (const bad of [
    '<script>alert(1)</script>',
    '<SCRIPT src="x.js"/>',
    '<g onload="alert(1)"/>',
    '<rect ONCLICK = "x()"/>',
    '<foreignObject><div/></foreignObject>',
    '<a href="javascript:alert(1)"><text>x</text></a>',
    '<a xlink:href=" JavaScript:alert(1)"/>',
  ]) {
    const text = svgDocument(`<g>${bad}</g>`, 100, 50, 'rgb(0, 0, 0)');
    assert.throws(() => checkedExport({ name: 'c', kind: 'svg', data: text, encoding: 'utf8' }), /SVG/, bad);
  }
});

test('a saved export is a plain file name with its kind, decoded and bounded', () => {
  assert.equal(exportName('../../etc/passwd', 'csv'), 'passwd.csv');
  assert.equal(exportName('a\\b\\chart.svg', 'svg'), 'chart.svg');
  assert.equal(exportName('x\u0000y:z', 'png'), 'x_y_z.png');
  assert.equal(exportName('...', 'png'), 'export.png');
  assert.equal(exportName(42, 'svg'), 'export.svg');
  const png = checkedExport({ name: 'a.png', kind: 'png', data: Buffer.from(PNG_START).toString('base64'), encoding: 'base64' });
  assert.deepEqual(Array.from(png.bytes), PNG_START);
  assert.equal(new TextDecoder().decode(checkedExport({ name: 't', kind: 'csv', data: 'σ1,2\r\n', encoding: 'utf8' }).bytes), 'σ1,2\r\n');
  assert.throws(() => checkedExport({ name: 'a', kind: 'exe', data: '', encoding: 'utf8' }), /cannot export/);
  assert.throws(() => checkedExport({ name: 'a', kind: 'csv', data: 1, encoding: 'utf8' }), /needs data/);
  assert.throws(() => checkedExport({ name: 'a', kind: 'csv', data: 'x'.repeat(MAX_EXPORT_BYTES / 3 + 1), encoding: 'utf8' }), /larger/);
});

test('only values an element changes are written: inherited ones when they differ, others when not initial', () => {
  assert.equal(keepProperty('fill', 'rgb(1, 2, 3)', null), true);
  assert.equal(keepProperty('fill', 'rgb(1, 2, 3)', 'rgb(1, 2, 3)'), false);
  assert.equal(keepProperty('stroke', 'none', 'rgb(1, 2, 3)'), true);
  assert.equal(keepProperty('opacity', '1', null), false);
  assert.equal(keepProperty('opacity', '0.6', '0.6'), true);
  assert.equal(keepProperty('display', 'inline', null), false);
  assert.equal(keepProperty('display', 'none', 'inline'), true);
});
