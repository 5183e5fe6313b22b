import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeAdapter } from '../../../src/core/adapter/load';
import { LensError } from '../../../src/core/errors';
import { Cursor } from '../../../src/core/gguf/cursor';
import { isGgufHeader, parseHeader } from '../../../src/core/gguf/header';
import { openGguf } from '../../../src/core/gguf/reader';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { ggufBytes, loraKv, type GgufTensorSpec, type KvValue } from '../../helpers/ggufWriter';
import { Rng } from '../../helpers/random';

/** Damaged GGUF adapters give a typed error or a valid read: never a crash, a hang, or a raw exception. */

const MUTATIONS = 400;

/** Values that make counts, lengths and offsets interesting when written over a field. */
const FIELD_VALUES = [0n, 1n, 2n, 3n, 31n, 32n, 33n, 255n, 4096n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n];

function source(rng: Rng): { bytes: Uint8Array; headerEnd: number } {
  const factor = (name: string, shape: number[], type: GgufTensorSpec['type']): GgufTensorSpec => ({ name, shape, type, values: rng.gaussians(shape[0] * shape[1]) });
  const kv: [string, KvValue][] = [
    ...loraKv('llama', 16),
    ['tokenizer.ggml.tokens', { type: 'ARRAY', itemType: 'STRING', items: ['a', 'bc', 'def'].map((value): KvValue => ({ type: 'STRING', value })) }],
    ['nested', { type: 'ARRAY', itemType: 'ARRAY', items: [{ type: 'ARRAY', itemType: 'FLOAT32', items: [{ type: 'FLOAT32', value: 1.5 }] }] }],
  ];
  const tensors = [
    factor('blk.0.attn_q.weight.lora_a', [4, 32], 'F32'),
    factor('blk.0.attn_q.weight.lora_b', [32, 4], 'F16'),
    factor('blk.0.ffn_up.weight.lora_a', [2, 64], 'Q8_0'),
    factor('blk.0.ffn_up.weight.lora_b', [64, 32], 'Q4_1'),
    factor('blk.0.ffn_down.weight.lora_a', [2, 64], 'Q5_0'),
    factor('blk.0.ffn_down.weight.lora_b', [64, 32], 'BF16'),
  ];
  const bytes = ggufBytes({ kv, tensors });
  return { bytes, headerEnd: parseHeader(new Cursor(bytes, bytes.length, 'source.gguf')).dataStart };
}

function mutate(original: Uint8Array, headerEnd: number, rng: Rng): [Uint8Array, string] {
  const bytes = original.slice();
  const inHeader = (): number => rng.int(0, Math.min(headerEnd, bytes.length) - 1);
  switch (rng.int(0, 6)) {
    case 0:
      for (let k = rng.int(1, 6); k > 0; k--) bytes[inHeader()] = rng.int(0, 255);
      return [bytes, 'random header bytes'];
    case 1: {
      const at = Math.min(inHeader(), bytes.length - 8);
      const value = FIELD_VALUES[rng.int(0, FIELD_VALUES.length - 1)];
      new DataView(bytes.buffer).setBigUint64(at, value, true);
      return [bytes, `u64 ${value} at ${at}`];
    }
    case 2: {
      const at = Math.min(inHeader(), bytes.length - 4);
      const value = [0, 1, 2, 4, 8, 9, 12, 13, 28, 30, 39, 255, 2 ** 32 - 1][rng.int(0, 12)];
      new DataView(bytes.buffer).setUint32(at, value, true);
      return [bytes, `u32 ${value} at ${at}`];
    }
    case 3:
      return [bytes.subarray(0, rng.int(0, bytes.length)), 'truncated'];
    case 4: {
      const at = inHeader();
      const shorter = new Uint8Array(bytes.length - 1);
      shorter.set(bytes.subarray(0, at));
      shorter.set(bytes.subarray(at + 1), at);
      return [shorter, `byte ${at} deleted`];
    }
    case 5:
      for (let k = rng.int(1, 32); k > 0; k--) bytes[rng.int(headerEnd, bytes.length - 1)] = rng.int(0, 255);
      return [bytes, 'random data bytes'];
    default: {
      const longer = new Uint8Array(bytes.length + rng.int(1, 64));
      longer.set(bytes);
      return [longer, 'bytes appended'];
    }
  }
}

test(`${MUTATIONS} random mutations of a GGUF adapter give typed errors or valid reads`, async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const { bytes, headerEnd } = source(rng);
  const path = join(dir, 'mutated.gguf');
  let valid = 0;
  let typed = 0;
  try {
    for (let i = 0; i < MUTATIONS; i++) {
      const [damaged, what] = mutate(bytes, headerEnd, rng);
      await writeFile(path, damaged);
      try {
        const file = await openGguf(path);
        try {
          assert.ok(isGgufHeader(file.header));
          for (const t of file.header.tensors) {
            try {
              const values = await file.readFloat64(t);
              assert.equal(values.length, t.elements);
            } catch (error) {
              assert.ok(error instanceof LensError, `mutation ${i} (${what}), reading ${t.name}: ${String(error)} ${rng.tag}`);
            }
          }
          const adapter = await describeAdapter(file);
          assert.equal(adapter.format, 'gguf');
          valid++;
        } finally {
          await file.close();
        }
      } catch (error) {
        assert.ok(error instanceof LensError, `mutation ${i} (${what}): ${error instanceof Error ? error.stack : String(error)} ${rng.tag}`);
        typed++;
      }
    }
  } finally {
    await removeDir(dir);
  }
  assert.equal(valid + typed, MUTATIONS);
  assert.ok(typed > MUTATIONS / 10, `only ${typed} mutations were refused ${rng.tag}`);
  assert.ok(valid > 0, `no mutation left a readable file ${rng.tag}`);
});
