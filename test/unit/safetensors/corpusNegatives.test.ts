import { strict as assert } from 'node:assert';
import { readdir } from 'node:fs/promises';
import { relative } from 'node:path';
import { test } from 'node:test';
import { SafetensorsError } from '../../../src/core/safetensors/errors';
import { readHeader } from '../../../src/core/safetensors/reader';
import { corpusPath } from '../../helpers/fixtures';
import { TENSOR_COUNTS } from '../../helpers/corpusCounts';

/** Real impostors found under .safetensors names, with what the message must say about each. */
const NEGATIVES: readonly [string, RegExp][] = [
  ['_negative/crlf-2bytes.safetensors', /2 bytes of text \(CR LF\)/],
  ['_negative/git-lfs-pointer.safetensors', /Git LFS pointer.*oid sha256:9cb970a295728de41ee0646df724b98ee14d22bffcae4677c7b45d10576d168f.*size 23390424 bytes/],
  [
    '_negative/text-placeholder-utf8.safetensors',
    /text file of 157 bytes.*begins: "由於檔案過大，由以下連結下載取得Haikyu7-20\.safetensors： https:\/\/drive\.google\.com\/file\/d\/1-vU5qK1…"$/,
  ],
  ['pickle-peft-regression-lora_conv2d/adapter_model.bin', /PyTorch checkpoint saved with torch\.save \(a zip archive holding a pickle\).*safetensors\.torch\.save_file/],
];

for (const [file, expected] of NEGATIVES) {
  test(`corpus impostor ${file} is named for what it is`, async () => {
    const path = corpusPath(...file.split('/'));
    await assert.rejects(readHeader(path), (error: unknown) => {
      assert.ok(error instanceof SafetensorsError, String(error));
      assert.equal(error.code, 'NOT_SAFETENSORS', error.message);
      assert.equal(error.file, path);
      assert.match(error.message, expected);
      return true;
    });
  });
}

async function* walk(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.name.endsWith('.safetensors')) yield path;
  }
}

test('every .safetensors file in the corpus is either a known adapter or a known impostor', async () => {
  const root = corpusPath();
  const known = new Set([...Object.keys(TENSOR_COUNTS), ...NEGATIVES.map(([f]) => f)]);
  const found: string[] = [];
  for await (const path of walk(root)) found.push(relative(root, path).split('\\').join('/'));
  assert.ok(found.length >= 17, `the corpus was found at ${root}`);
  for (const file of found) assert.ok(known.has(file), `${file} is new to the corpus: add its tensor count (or its impostor message) to these tests`);
  for (const file of Object.keys(TENSOR_COUNTS)) assert.ok(found.includes(file), `${file} is missing from the corpus`);
});
