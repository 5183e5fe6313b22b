import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { openTensorSource } from '../../../src/core/container/open';
import { resizeAdapter } from '../../../src/core/resize/resize';
import { decodeFloat64 } from '../../../src/core/safetensors/decode';
import { encodeBFloat16, encodeFloat16, encodeFloat32 } from '../../../src/core/safetensors/encode';
import { removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { contiguousStride, statePickle, torchSaveLegacy, torchSaveZip, type SavedDType, type SavedStorage, type SavedTensor } from '../../helpers/torchSave';

const RANK = 4;
const HIDDEN = 24;
const PREFIX = 'base_model.model.model.layers.0.self_attn';

/** The storage's values as stored, decoded independently of the checkpoint reader (a plain contiguous decode). */
function storedValues(s: SavedStorage): Float64Array {
  const encode = { F32: encodeFloat32, F16: encodeFloat16, BF16: encodeBFloat16, F64: (v: ArrayLike<number>) => new Uint8Array(Float64Array.from(v).buffer) }[s.dtype];
  return decodeFloat64(encode(s.values), s.dtype, s.values.length);
}

/** The dense float64 reference of a view: element i of the row-major order at offset + Σ coord·stride. */
function referenceView(t: SavedTensor, storage: Float64Array): Float64Array {
  const n = t.shape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let rest = i;
    let index = t.offset;
    for (let d = t.shape.length - 1; d >= 0; d--) {
      index += (rest % t.shape[d]) * t.stride[d];
      rest = Math.floor(rest / t.shape[d]);
    }
    out[i] = storage[index];
  }
  return out;
}

/**
 * A PEFT adapter as PEFT's get_peft_model_state_dict + torch.save would hold it, with the
 * storage layouts torch produces: contiguous F32, F16 and BF16 factors; a lora_A that is a
 * transposed view (stride (1, r)) of a [in, r] storage; two lora_B that share one storage at
 * different offsets.
 */
function peftCheckpoint(rng: Rng): { storages: SavedStorage[]; tensors: SavedTensor[] } {
  const values = (n: number): Float64Array => rng.gaussians(n);
  const storages: SavedStorage[] = [
    { key: '0', dtype: 'F32', values: values(RANK * HIDDEN) },
    { key: '1', dtype: 'F16', values: values(HIDDEN * RANK) },
    { key: '2', dtype: 'BF16', values: values(HIDDEN * RANK) },
    { key: '3', dtype: 'F32', values: values(7 + 2 * HIDDEN * RANK) },
    { key: '4', dtype: 'F16', values: values(RANK * HIDDEN) },
  ];
  const shapeA = [RANK, HIDDEN];
  const shapeB = [HIDDEN, RANK];
  const tensors: SavedTensor[] = [
    { name: `${PREFIX}.q_proj.lora_A.weight`, storage: '0', offset: 0, shape: shapeA, stride: contiguousStride(shapeA) },
    { name: `${PREFIX}.q_proj.lora_B.weight`, storage: '3', offset: 7, shape: shapeB, stride: contiguousStride(shapeB) },
    { name: `${PREFIX}.k_proj.lora_A.weight`, storage: '2', offset: 0, shape: shapeA, stride: [1, RANK] },
    { name: `${PREFIX}.k_proj.lora_B.weight`, storage: '3', offset: 7 + HIDDEN * RANK, shape: shapeB, stride: contiguousStride(shapeB) },
    { name: `${PREFIX}.v_proj.lora_A.weight`, storage: '4', offset: 0, shape: shapeA, stride: contiguousStride(shapeA) },
    { name: `${PREFIX}.v_proj.lora_B.weight`, storage: '1', offset: 0, shape: shapeB, stride: contiguousStride(shapeB) },
  ];
  return { storages, tensors };
}

const CONFIG = { peft_type: 'LORA', r: RANK, lora_alpha: 8, target_modules: ['q_proj', 'k_proj', 'v_proj'], base_model_name_or_path: null };

async function checkAgainstReference(path: string, storages: readonly SavedStorage[], tensors: readonly SavedTensor[], seed: string): Promise<void> {
  const source = await openTensorSource(path);
  try {
    const stored = new Map(storages.map((s) => [s.key, storedValues(s)]));
    for (const t of tensors) {
      const info = source.header.byName.get(t.name);
      assert.ok(info, `${t.name}${seed}`);
      assert.deepEqual(info.shape, t.shape);
      assert.equal(info.dtype, storages.find((s) => s.key === t.storage)?.dtype);
      const want = referenceView(t, stored.get(t.storage) as Float64Array);
      assert.deepEqual(Array.from(await source.readFloat64(t.name)), Array.from(want), `${t.name}${seed}`);
      const part = await source.readFloat64(t.name, { start: 5, count: 30 });
      assert.deepEqual(Array.from(part), Array.from(want.subarray(5, 35)), `${t.name} range${seed}`);
      const chunks: number[] = [];
      await source.streamBytes(t.name, async (chunk) => void chunks.push(...decodeFloat64(chunk, info.dtype, chunk.length / (info.dtype === 'F32' ? 4 : 2))), 20);
      assert.deepEqual(chunks, Array.from(want), `${t.name} streamed${seed}`);
    }
  } finally {
    await source.close();
  }
}

for (const format of ['zip', 'legacy'] as const) {
  test(`a generated ${format} torch.save PEFT adapter reads with the right modules, dtypes and values (strided and shared views too)`, async () => {
    for (let run = 0; run < 3; run++) {
      const rng = Rng.fresh();
      const { storages, tensors } = peftCheckpoint(rng);
      const dir = await tempDir();
      try {
        const bytes = format === 'zip' ? torchSaveZip(tensors, storages, { orderedDict: run % 2 === 0 }) : torchSaveLegacy(tensors, storages);
        await writeFile(join(dir, 'adapter_model.bin'), bytes);
        await writeFile(join(dir, 'adapter_config.json'), JSON.stringify(CONFIG));
        await checkAgainstReference(join(dir, 'adapter_model.bin'), storages, tensors, ` (seed ${rng.seed})`);
        const { adapter, file } = await openAdapter(dir);
        await file.close();
        assert.equal(file.container, format === 'zip' ? 'pytorch-zip' : 'pytorch-legacy');
        assert.equal(adapter.format, 'peft');
        assert.deepEqual(
          adapter.modules.map((m) => [m.name, m.rank, m.shape, m.scale]),
          ['k_proj', 'q_proj', 'v_proj'].map((p) => [`model.layers.0.self_attn.${p}`, RANK, [HIDDEN, HIDDEN], 8 / RANK]),
        );
      } finally {
        await removeDir(dir);
      }
    }
  });
}

test('a folder opens adapter_model.bin over trainer pickles, and adapter_model.safetensors over both', async () => {
  const dir = await tempDir();
  try {
    const { storages, tensors } = peftCheckpoint(Rng.fresh());
    await writeFile(join(dir, 'adapter_model.bin'), torchSaveZip(tensors, storages));
    await writeFile(join(dir, 'adapter_config.json'), JSON.stringify(CONFIG));
    const fromBin = await openAdapter(dir);
    await fromBin.file.close();
    assert.equal(fromBin.file.container, 'pytorch-zip');
    await writeFile(join(dir, 'pytorch_lora_weights.bin'), torchSaveZip(tensors, storages));
    await writeFile(join(dir, 'training_args.bin'), torchSaveZip(tensors, storages));
    const stillBin = await openAdapter(dir);
    await stillBin.file.close();
    assert.match(stillBin.adapter.file, /adapter_model\.bin$/);
    const A = { name: `${PREFIX}.q_proj.lora_A.weight`, shape: [RANK, HIDDEN], values: new Float64Array(RANK * HIDDEN).fill(1) };
    const B = { name: `${PREFIX}.q_proj.lora_B.weight`, shape: [HIDDEN, RANK], values: new Float64Array(RANK * HIDDEN).fill(1) };
    await writeFixture(dir, 'adapter_model.safetensors', [A, B]);
    const safetensors = await openAdapter(dir);
    await safetensors.file.close();
    assert.equal(safetensors.file.container, 'safetensors');
  } finally {
    await removeDir(dir);
  }
});

const python = spawnSync('python3', ['-c', 'import pickletools, zipfile'], { timeout: 20_000 }).status === 0;

test(
  'the generated checkpoints are what Python itself reads: pickletools walks every pickle, zipfile checks every CRC',
  { skip: !python && 'python3 is not available' },
  async () => {
    const dir = await tempDir();
    try {
      const { storages, tensors } = peftCheckpoint(Rng.fresh());
      const dtypes: SavedDType[] = ['F32', 'F16', 'BF16'];
      assert.ok(storages.every((s) => dtypes.includes(s.dtype)));
      await writeFile(join(dir, 'a.bin'), torchSaveZip(tensors, storages, { orderedDict: true }));
      await writeFile(join(dir, 'b.pt'), torchSaveLegacy(tensors, storages));
      await writeFile(join(dir, 'c.pkl'), statePickle(tensors, storages, { orderedDict: true }));
      const script = [
        'import io, pickletools, sys, zipfile',
        'z = zipfile.ZipFile(sys.argv[1] + "/a.bin"); assert z.testzip() is None',
        'pickletools.dis(z.read("archive/data.pkl"), out=io.StringIO())',
        'f = open(sys.argv[1] + "/b.pt", "rb")',
        'for _ in range(5): pickletools.dis(f, out=io.StringIO())',
        'print(len(z.namelist()))',
      ].join('\n');
      const run = spawnSync('python3', ['-c', script, dir], { timeout: 60_000, encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stdout.trim(), String(storages.length + 4));
    } finally {
      await removeDir(dir);
    }
  },
);

test('resizing a pickle adapter writes a safetensors PEFT adapter of the kept rank', async () => {
  const dir = await tempDir();
  try {
    const { storages, tensors } = peftCheckpoint(Rng.fresh());
    const input = join(dir, 'in');
    const output = join(dir, 'out');
    await mkdir(input);
    await writeFile(join(input, 'adapter_model.bin'), torchSaveLegacy(tensors, storages));
    await writeFile(join(input, 'adapter_config.json'), JSON.stringify(CONFIG));
    const result = await resizeAdapter({ input, output, method: { kind: 'fixed', rank: 2 }, format: 'same' });
    assert.ok(result.files.some((f) => f.endsWith('adapter_model.safetensors')));
    const { adapter, file } = await openAdapter(output);
    await file.close();
    assert.equal(file.container, 'safetensors');
    assert.deepEqual(
      adapter.modules.map((m) => m.rank),
      [2, 2, 2],
    );
  } finally {
    await removeDir(dir);
  }
});
