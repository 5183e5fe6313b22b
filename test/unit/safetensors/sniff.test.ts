import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { SafetensorsError } from '../../../src/core/safetensors/errors';
import { parseSafetensorsBytes } from '../../../src/core/safetensors/header';
import { describeForeignFile } from '../../../src/core/safetensors/sniff';
import { rawFile } from '../../helpers/rawSafetensors';

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const utf8 = (text: string) => new TextEncoder().encode(text);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
};

/** What the in-memory validator says about `bytes` (it sniffs exactly as the file reader does). */
function failure(bytes: Uint8Array): SafetensorsError {
  try {
    parseSafetensorsBytes(bytes, 'x.safetensors');
  } catch (error) {
    assert.ok(error instanceof SafetensorsError, String(error));
    return error;
  }
  assert.fail('parsed');
}

const OID = 'a'.repeat(60) + 'b0c1';

const FOREIGN: readonly [string, Uint8Array, RegExp][] = [
  ['empty', new Uint8Array(0), /empty \(0 bytes\)/],
  ['CR LF', ascii('\r\n'), /2 bytes of text \(CR LF\)/],
  ['three binary bytes', new Uint8Array([0, 1, 2]), /only 3 bytes \(0x00 0x01 0x02\)/],
  [
    'Git LFS pointer',
    ascii(`version https://git-lfs.github.com/spec/v1\noid sha256:${OID}\nsize 23390424\n`),
    new RegExp(`Git LFS pointer.*oid sha256:${OID}.*size 23390424 bytes.*git lfs pull`),
  ],
  ['torch.save zip', concat(ascii('PK\u0003\u0004'), new Uint8Array(26), ascii('adapter_model/data.pklFB')), /PyTorch checkpoint saved with torch\.save.*zip.*convert/],
  ['other zip', concat(ascii('PK\u0003\u0004'), new Uint8Array(26), ascii('readme.txt')), /a zip archive.*convert/],
  ['pickle protocol 2', new Uint8Array([0x80, 0x02, 0x7d, 0x71, 0x00]), /Python pickle \(protocol 2\)/],
  ['pickle protocol 5', new Uint8Array([0x80, 0x05, 0x95, 0, 0, 0, 0, 0, 0, 0]), /Python pickle \(protocol 5\)/],
  ['HTML doctype', utf8('<!DOCTYPE html>\n<html><head><title>404</title>'), /HTML page/],
  ['HTML after BOM and blank lines', utf8('\ufeff\n\n  <HTML lang="en">'), /HTML page/],
  ['HTML in Latin-1 (not UTF-8)', concat(utf8('<html><body>caf'), new Uint8Array([0xe9, 0x20, 0xe9])), /HTML page/],
  ['GGUF', concat(ascii('GGUF'), new Uint8Array([3, 0, 0, 0, 0, 0, 0, 0])), /GGUF/],
  ['NumPy .npy', concat(new Uint8Array([0x93]), ascii('NUMPY'), new Uint8Array([1, 0, 0x76, 0])), /NumPy \.npy/],
  ['HDF5', concat(new Uint8Array([0x89]), ascii('HDF\r\n\u001a\n'), new Uint8Array(8)), /HDF5/],
  [
    'UTF-8 text placeholder',
    utf8('由於檔案過大，由以下連結下載：\nhttps://drive.google.com/file/d/1-x/view'),
    /text file of \d+ bytes.*begins: "由於檔案過大，由以下連結下載： https:\/\/drive/,
  ],
];

for (const [name, bytes, expected] of FOREIGN) {
  test(`sniffed: ${name}`, () => {
    const error = failure(bytes);
    assert.equal(error.code, 'NOT_SAFETENSORS', error.message);
    assert.match(error.message, expected);
    assert.equal(error.file, 'x.safetensors');
  });
}

test('text with binary control characters (NUL, BEL, ESC) is not called text', () => {
  assert.equal(describeForeignFile(utf8('abc\u0000def\u001b[0m and more text'), 100), null);
});

test('quoted text is one line of at most 80 characters with no control, zero-width or bidi characters', () => {
  const hostile = `ok\t\u000b\r\nred\u202eevil\u2066iso\u200bzw\ufeffbom\u0085nel\u2028ls ${'字'.repeat(200)}`;
  const message = describeForeignFile(utf8(hostile), 5000) ?? '';
  const quoted = /begins: "(.*)"$/u.exec(message)?.[1] ?? '';
  assert.ok(quoted.endsWith('…'), message);
  assert.equal([...quoted].length, 81, message);
  assert.doesNotMatch(message, /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/u);
  assert.match(quoted, /^ok red evil iso zw bom nel ls 字/);
});

test('a surrogate pair or multi-byte character cut by the sniff window does not turn text into binary', () => {
  const text = utf8('placeholder 😀'.repeat(100));
  assert.match(describeForeignFile(text.subarray(0, 1023), text.length) ?? '', /text file/);
  assert.match(describeForeignFile(text.subarray(0, 1022), text.length) ?? '', /text file/);
});

test('real safetensors files with broken headers keep their precise codes', () => {
  // Every prefix below holds NUL bytes, so the sniffer never mistakes it for text.
  assert.equal(failure(rawFile('{"a": [1, 2', 0)).code, 'HEADER_NOT_JSON');
  assert.equal(failure(rawFile('[1]', 0)).code, 'HEADER_NOT_OBJECT');
  assert.equal(failure(rawFile('{}', 0, 1n << 40n)).code, 'HEADER_TOO_LARGE');
  assert.equal(failure(rawFile('{}', 0, 1000n)).code, 'HEADER_PAST_END');
  assert.equal(failure(rawFile('{"a":1}', 0).fill(0xff, 9, 10)).code, 'HEADER_NOT_UTF8');
  assert.equal(failure(new Uint8Array([0x01, 0x00, 0x00])).code, 'NOT_SAFETENSORS');
  // Unrecognisable binary keeps the code of the check that failed.
  assert.equal(failure(new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef, 0, 0])).code, 'HEADER_TOO_LARGE');
});
