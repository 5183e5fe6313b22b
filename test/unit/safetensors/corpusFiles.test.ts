import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { SafetensorsError } from '../../../src/core/safetensors/errors';
import { openSafetensors, readHeader } from '../../../src/core/safetensors/reader';
import { corpusPath } from '../../helpers/fixtures';
import { parseBytes } from '../../helpers/rawSafetensors';
import { Rng } from '../../helpers/random';

/** Tensor counts per file, from the corpus MANIFEST and checked by hand against each header. */
const TENSOR_COUNTS: Readonly<Record<string, number>> = {
  'peft-tinygpt2/adapter_model.safetensors': 12,
  'peft-gpt2-a/adapter_model.safetensors': 25,
  'peft-opt125m-bf16/adapter_model.safetensors': 48,
  'peft-qwen25-muzammel/adapter_model.safetensors': 96,
  'peft-bert-seqcls/adapter_model.safetensors': 50,
  'peft-roberta-mrpc-ckpts/checkpoint-230/adapter_model.safetensors': 52,
  'peft-roberta-mrpc-ckpts/checkpoint-460/adapter_model.safetensors': 52,
  'peft-opencalm1b-r1/adapter_model.safetensors': 48,
  'peft-unilora-roberta/adapter_model.safetensors': 1,
  'mlx-cli-adapters/0000100_adapters.safetensors': 16,
  'mlx-cli-adapters/adapters.safetensors': 16,
  'diffusers-sd15-unetprefix/2100-lora.safetensors': 256,
  'lycoris-lokr-r4/smart_falcon_4_lokr.safetensors': 1750,
  'aitoolkit-flux-sparse/lora.safetensors': 8,
};

test('every real corpus file parses, with its tensor count, dtypes and quirks', async () => {
  for (const [file, count] of Object.entries(TENSOR_COUNTS)) {
    const header = await readHeader(corpusPath(...file.split('/')));
    assert.equal(header.tensors.length, count, file);
  }
  const mlx = await readHeader(corpusPath('mlx-cli-adapters', 'adapters.safetensors'));
  assert.equal(mlx.metadata, null, 'mlx writes __metadata__: null');
  assert.equal(mlx.headerLength, 1684, 'a header length that is not a multiple of 8');
  assert.deepEqual(mlx.byName.get('model.layers.20.self_attn.v_proj.lora_b')?.shape, [8, 128]);
  const lokr = await readHeader(corpusPath('lycoris-lokr-r4', 'smart_falcon_4_lokr.safetensors'));
  assert.equal(Object.keys(lokr.metadata ?? {}).length, 61);
  assert.deepEqual(lokr.byName.get('lora_te_text_model_encoder_layers_0_mlp_fc1.alpha')?.shape, []);
  assert.equal(lokr.byName.get('lora_te_text_model_encoder_layers_0_mlp_fc1.alpha')?.dtype, 'F16');
  const opt = await readHeader(corpusPath('peft-opt125m-bf16', 'adapter_model.safetensors'));
  assert.ok(opt.tensors.every((t) => t.dtype === 'BF16'));
});

test('tensor reads through the file handle match the bytes at the header offsets', async () => {
  const path = corpusPath('mlx-cli-adapters', 'adapters.safetensors');
  const whole = new Uint8Array(await readFile(path));
  const file = await openSafetensors(path);
  try {
    for (const t of file.header.tensors) {
      assert.deepEqual(await file.readBytes(t), whole.subarray(t.start, t.end), t.name);
    }
    const t = file.header.tensors[0];
    const values = await file.readFloat64(t);
    const view = new DataView(whole.buffer, whole.byteOffset + t.start, t.end - t.start);
    for (let i = 0; i < values.length; i += 97) assert.equal(values[i], view.getFloat32(i * 4, true));
    const part = await file.readFloat64(t, { start: 5, count: 7 });
    assert.deepEqual(part, values.subarray(5, 12));
    await assert.rejects(file.readFloat64(t, { start: values.length - 1, count: 2 }), SafetensorsError);
    await assert.rejects(file.readBytes('no.such.tensor'), (e: unknown) => e instanceof SafetensorsError && /no tensor named/.test(e.message));
  } finally {
    await file.close();
  }
});

/**
 * Random damage to real headers (bytes flipped, the length prefix changed, digits of offsets
 * and shapes rewritten, truncation, appended bytes) may only ever produce a typed error or a
 * valid parse: never another exception, never a hang.
 */
test('random mutations of real corpus files give typed errors only', { timeout: 120_000 }, async () => {
  const rng = Rng.fresh();
  const sources = await Promise.all(
    ['peft-tinygpt2/adapter_model.safetensors', 'mlx-cli-adapters/adapters.safetensors', 'peft-unilora-roberta/adapter_model.safetensors', 'lycoris-lokr-r4/smart_falcon_4_lokr.safetensors'].map(async (f) => new Uint8Array(await readFile(corpusPath(...f.split('/'))))),
  );
  const outcomes = new Map<string, number>();
  for (let i = 0; i < 2000; i++) {
    const source = sources[i % sources.length];
    const n = Number(new DataView(source.buffer, source.byteOffset).getBigUint64(0, true));
    let bytes = source.slice();
    const mutation = rng.int(0, 5);
    if (mutation === 0) for (let k = rng.int(1, 4); k > 0; k--) bytes[rng.int(8, 8 + n - 1)] = rng.int(0, 255);
    else if (mutation === 1) new DataView(bytes.buffer).setBigUint64(0, BigInt(rng.int(0, 2 ** 31)) * BigInt(rng.int(0, 3) === 0 ? 2 ** 30 : 1), true);
    else if (mutation === 2) {
      // Rewrite one digit inside the header: offsets and shapes change.
      const digits = [...bytes.subarray(8, 8 + n).keys()].filter((k) => bytes[8 + k] >= 48 && bytes[8 + k] <= 57);
      if (digits.length) bytes[8 + digits[rng.int(0, digits.length - 1)]] = 48 + rng.int(0, 9);
    } else if (mutation === 3) bytes = bytes.subarray(0, rng.int(0, bytes.length));
    else if (mutation === 4) {
      const longer = new Uint8Array(bytes.length + rng.int(1, 16));
      longer.set(bytes);
      bytes = longer;
    }
    else {
      const at = rng.int(8, 8 + n - 1);
      bytes[at] = [0x22, 0x5b, 0x5d, 0x7b, 0x7d, 0x2c, 0x3a, 0x2d][rng.int(0, 7)];
    }
    let outcome = 'ok';
    try {
      parseBytes(bytes);
    } catch (error) {
      assert.ok(error instanceof SafetensorsError, `mutation ${mutation} threw ${String(error)} ${rng.tag}`);
      outcome = error.code;
    }
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
  assert.ok(outcomes.size >= 6, `a variety of errors was exercised: ${[...outcomes].join(' ')}`);
});
