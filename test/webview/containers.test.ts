import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { corpusPath, removeDir, tempDir, writeFixture } from '../helpers/fixtures';
import { ggufBytes, loraKv } from '../helpers/ggufWriter';
import { Rng } from '../helpers/random';
import { Lens } from './browser';
import { recordAdapter, type Recording } from './recording';

// The Overview says which container a file was read from, the layout dialect its keys were read
// as, and the rule guessed when no layout knew them: a real PyTorch pickle, a GGUF adapter as
// llama.cpp's convert_lora_to_gguf.py writes it, and hand-converted kohya-like keys.
let lens: Lens;
let dir = '';
let pickle: Recording;
let gguf: Recording;
let guessed: Recording;

const values = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.normal());

before(async () => {
  dir = await tempDir();
  const rng = new Rng(13);
  pickle = await recordAdapter(corpusPath('pickle-peft-regression-lora_conv2d', 'adapter_model.bin'));
  // convert_lora_to_gguf.py: `blk.N.<name>.weight.lora_a` [r, in] and `.lora_b` [out, r] (numpy shapes), F32.
  const ggufPath = join(dir, 'Tiny-F32-LoRA.gguf');
  await writeFile(
    ggufPath,
    ggufBytes({
      kv: loraKv('llama', 4),
      tensors: [
        { name: 'blk.0.attn_q.weight.lora_a', shape: [2, 8], type: 'F32', values: values(rng, 16) },
        { name: 'blk.0.attn_q.weight.lora_b', shape: [8, 2], type: 'F32', values: values(rng, 16) },
      ],
    }),
  );
  gguf = await recordAdapter(ggufPath);
  // kohya-like names with "_lora_down.weight" for ".lora_down.weight": no layout rule knows them.
  const stem = 'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_k';
  const broken = await writeFixture(dir, 'hand_converted.safetensors', [
    { name: `${stem}_lora_down.weight`, shape: [2, 8], values: values(rng, 16) },
    { name: `${stem}_lora_up.weight`, shape: [8, 2], values: values(rng, 16) },
  ]);
  guessed = await recordAdapter(broken);
  lens = await Lens.launch();
});

after(async () => {
  await lens?.close();
  if (dir) await removeDir(dir);
});

/** The Summary's value for `label`, as shown. */
async function fact(rec: Recording, label: string): Promise<string[]> {
  const page = await lens.open();
  await page.send(rec.overview);
  await page.showTab('Overview');
  const facts = page.page.locator('.overview dl.facts');
  await facts.waitFor();
  const shown = await facts.locator('dt', { hasText: label }).locator('xpath=following-sibling::dd[1]').allTextContents();
  assert.deepEqual(page.errors, []);
  return shown;
}

test('a PyTorch pickle: the Overview names the zip checkpoint and the PEFT layout it was read as', async () => {
  assert.equal(pickle.overview.params.container, 'pytorch-zip');
  assert.deepEqual(await fact(pickle, 'Container'), ['PyTorch checkpoint (zip, torch.save since 1.6)']);
  const readAs = await fact(pickle, 'Read as');
  assert.equal(readAs.length, 1);
  assert.match(readAs[0] ?? '', /^peft — PEFT LoRA/);
  assert.deepEqual(await fact(pickle, 'Guessed rule'), []);
});

test('a GGUF adapter: the Overview names GGUF and the llama.cpp layout', async () => {
  assert.equal(gguf.overview.params.container, 'gguf');
  assert.deepEqual(await fact(gguf, 'Container'), ['GGUF (llama.cpp)']);
  assert.deepEqual(await fact(gguf, 'Read as'), ['gguf — llama.cpp GGUF LoRA (llama)']);
});

test('keys no layout knows: the Overview says the rule that was guessed, once', async () => {
  assert.deepEqual(await fact(guessed, 'Container'), ['safetensors']);
  assert.match((await fact(guessed, 'Read as'))[0] ?? '', /guessed rule \(broken-suffix\)/);
  const rules = await fact(guessed, 'Guessed rule');
  assert.equal(rules.length, 1);
  assert.match(rules[0] ?? '', /paired by name stem and shape as kohya lora_down\/lora_up factors/);
  // Said in the summary, so not repeated among the warnings.
  const page = await lens.open();
  await page.send(guessed.overview);
  await page.showTab('Overview');
  await page.page.locator('.overview dl.facts').waitFor();
  assert.equal(await page.page.locator('.overview ul.warnings li', { hasText: 'paired by name stem' }).count(), 0);
  await page.screenshot('overview-guessed-rule');
});
