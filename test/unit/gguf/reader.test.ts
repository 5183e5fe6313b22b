import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openTensorSource } from '../../../src/core/container/open';
import { isGgufHeader } from '../../../src/core/gguf/header';
import { openGguf } from '../../../src/core/gguf/reader';
import { removeDir, tempDir } from '../../helpers/fixtures';
import type { QuantName } from '../../helpers/ggufQuants';
import { ggufBytes, storedValues, tensorBytes, type GgufFileSpec, type GgufTensorSpec, type KvValue } from '../../helpers/ggufWriter';
import { Rng } from '../../helpers/random';

/** GGUF files in gguf-py's layout, read back value for value. */

const QUANTS: readonly QuantName[] = ['Q8_0', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1'];

async function written(dir: string, name: string, spec: GgufFileSpec): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, ggufBytes(spec));
  return path;
}

const expected = storedValues;

function gaussianValues(rng: Rng, count: number): Float64Array {
  return rng.gaussians(count).map((x) => x * 0.05);
}

test('every float and block type reads back exactly as ggml dequantizes it, whole and by ranges', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const tensors: GgufTensorSpec[] = (['F32', 'F16', 'BF16', 'F64', ...QUANTS] as const).map((type, i) => ({
    name: `t${i}.${type}`,
    shape: [3, 64],
    type,
    values: gaussianValues(rng, 192),
  }));
  const path = await written(dir, 'types.gguf', { kv: [['general.architecture', { type: 'STRING', value: 'llama' }]], tensors });
  const file = await openGguf(path);
  try {
    assert.equal(file.container, 'gguf');
    for (const spec of tensors) {
      const info = file.header.byName.get(spec.name);
      assert.ok(info, spec.name);
      assert.deepEqual(info.shape, [3, 64]);
      assert.equal(info.dtype, spec.type.startsWith('Q') ? 'F32' : spec.type, spec.name);
      assert.equal(info.end - info.start, tensorBytes(spec).length, `${spec.name}: the stored span`);
      assert.equal(info.start % 32, 0);
      const want = expected(spec);
      assert.deepEqual(await file.readFloat64(spec.name), want, `${spec.name} ${rng.tag}`);
      assert.deepEqual(Float64Array.from(await file.readFloat32(spec.name)), Float64Array.from(want, Math.fround), spec.name);
      for (const [start, count] of [
        [0, 1],
        [5, 40],
        [31, 2],
        [32, 32],
        [150, 42],
        [191, 1],
        [7, 0],
      ]) {
        assert.deepEqual(await file.readFloat64(spec.name, { start, count }), want.subarray(start, start + count), `${spec.name} [${start}, +${count}) ${rng.tag}`);
      }
      const chunks: number[] = [];
      await file.streamBytes(spec.name, async (chunk) => void chunks.push(...chunk), 100);
      assert.deepEqual(Uint8Array.from(chunks), await file.readBytes(spec.name), `${spec.name}: streamed`);
    }
    // Quantized values are the originals to within half a quantization step.
    const q8 = tensors.find((t) => t.type === 'Q8_0') as GgufTensorSpec;
    const got = await file.readFloat64(q8.name);
    const step = Math.max(...Array.from(q8.values, Math.abs)) / 127;
    got.forEach((v, i) => assert.ok(Math.abs(v - q8.values[i]) <= step * 3, `Q8_0 value ${i}: ${v} vs ${q8.values[i]} ${rng.tag}`));
  } finally {
    await file.close();
    await removeDir(dir);
  }
});

test('a tensor of more blocks than one dequantization step is read whole and across the step boundary', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const spec: GgufTensorSpec = { name: 'big', shape: [65, 32 * 1024], type: 'Q4_1', values: gaussianValues(rng, 65 * 32 * 1024) };
  const path = await written(dir, 'big.gguf', { kv: [], tensors: [spec] });
  const file = await openGguf(path);
  try {
    const want = expected(spec);
    assert.deepEqual(await file.readFloat64('big'), want, rng.tag);
    const boundary = 65536 * 32;
    assert.deepEqual(await file.readFloat64('big', { start: boundary - 45, count: 90 }), want.subarray(boundary - 45, boundary + 45), rng.tag);
  } finally {
    await file.close();
    await removeDir(dir);
  }
});

test('metadata of every value type, nested arrays included, is read and shown as text', async () => {
  const dir = await tempDir();
  const kv: [string, KvValue][] = [
    ['u8', { type: 'UINT8', value: 250 }],
    ['i8', { type: 'INT8', value: -5 }],
    ['u16', { type: 'UINT16', value: 65000 }],
    ['i16', { type: 'INT16', value: -300 }],
    ['u32', { type: 'UINT32', value: 4_000_000_000 }],
    ['i32', { type: 'INT32', value: -2_000_000_000 }],
    ['f32', { type: 'FLOAT32', value: 0.5 }],
    ['bool', { type: 'BOOL', value: true }],
    ['str', { type: 'STRING', value: 'héllo' }],
    ['u64', { type: 'UINT64', value: 2n ** 63n + 1n }],
    ['i64', { type: 'INT64', value: -(2n ** 62n) }],
    ['f64', { type: 'FLOAT64', value: 1e-300 }],
    ['tokens', { type: 'ARRAY', itemType: 'STRING', items: Array.from({ length: 40 }, (_, i): KvValue => ({ type: 'STRING', value: `tok${i}` })) }],
    [
      'nested',
      {
        type: 'ARRAY',
        itemType: 'ARRAY',
        items: [
          {
            type: 'ARRAY',
            itemType: 'INT32',
            items: [
              { type: 'INT32', value: 1 },
              { type: 'INT32', value: 2 },
            ],
          },
          { type: 'ARRAY', itemType: 'INT32', items: [] },
        ],
      },
    ],
    ['__proto__', { type: 'STRING', value: 'not a prototype' }],
  ];
  for (const version of [2, 3]) {
    const path = await written(dir, `meta${version}.gguf`, { kv, tensors: [{ name: 'w', shape: [2], type: 'F32', values: [1, 2] }], version });
    const file = await openGguf(path);
    try {
      const meta = file.header.metadata ?? {};
      assert.equal(meta.u8, '250');
      assert.equal(meta.i8, '-5');
      assert.equal(meta.u16, '65000');
      assert.equal(meta.i16, '-300');
      assert.equal(meta.u32, '4000000000');
      assert.equal(meta.i32, '-2000000000');
      assert.equal(meta.f32, '0.5');
      assert.equal(meta.bool, 'true');
      assert.equal(meta.str, 'héllo');
      assert.equal(meta.u64, String(2n ** 63n + 1n));
      assert.equal(meta.i64, String(-(2n ** 62n)));
      assert.equal(meta.f64, '1e-300');
      assert.match(meta.tokens, /^\["tok0", "tok1", .*"tok15", … 40 STRING items\]$/);
      assert.equal(meta.nested, '[[1, 2], []]');
      assert.ok(Object.hasOwn(meta, '__proto__'));
      assert.equal(Object.getPrototypeOf(meta), Object.prototype);
      assert.ok(isGgufHeader(file.header));
      assert.equal(file.header.version, version);
      assert.deepEqual(await file.readFloat64('w'), Float64Array.from([1, 2]));
    } finally {
      await file.close();
    }
  }
  await removeDir(dir);
});

test('a custom general.alignment places the data section and every tensor on its multiples', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const tensors: GgufTensorSpec[] = [
    { name: 'a', shape: [5], type: 'F32', values: gaussianValues(rng, 5) },
    { name: 'b', shape: [2, 32], type: 'Q8_0', values: gaussianValues(rng, 64) },
  ];
  const path = await written(dir, 'aligned.gguf', { kv: [], tensors, alignment: 64 });
  const file = await openGguf(path);
  try {
    assert.ok(isGgufHeader(file.header));
    assert.equal(file.header.alignment, 64);
    assert.equal(file.header.dataStart % 64, 0);
    for (const t of file.header.tensors) assert.equal(t.start % 64, 0, t.name);
    for (const spec of tensors) assert.deepEqual(await file.readFloat64(spec.name), expected(spec));
  } finally {
    await file.close();
  }
  const viaSource = await openTensorSource(path);
  assert.equal(viaSource.container, 'gguf');
  await viaSource.close();
  await removeDir(dir);
});
