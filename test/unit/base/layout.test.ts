import { strict as assert } from 'node:assert';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { BaseModel } from '../../../src/core/base/baseModel';
import { BaseModelError } from '../../../src/core/base/errors';
import { indexBaseWeights, matchBaseWeight } from '../../../src/core/base/weightNames';
import { removeDir, tempDir, writeFixture, type FixtureTensor } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

/** Single-file, sharded (index + shards) and HF-cache-snapshot base models; what goes wrong with each. */

function weights(rng: Rng): FixtureTensor[] {
  return [
    { name: 'model.layers.0.self_attn.q_proj.weight', shape: [6, 4], values: rng.gaussians(24), dtype: 'F32' },
    { name: 'model.layers.1.self_attn.q_proj.weight', shape: [6, 4], values: rng.gaussians(24), dtype: 'BF16' },
    { name: 'model.layers.1.self_attn.k_proj.weight', shape: [3, 4], values: rng.gaussians(12) },
  ];
}

async function expectCode(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => e instanceof BaseModelError && e.code === code && pattern.test(e.message));
}

test('a single .safetensors file and a folder holding one: every weight, read at its offsets, exact', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const tensors = weights(rng);
    const path = await writeFixture(dir, 'model.safetensors', tensors);
    for (const p of [path, dir]) {
      const base = await BaseModel.open(p);
      try {
        assert.deepEqual([...base.weights.keys()].sort(), tensors.map((t) => t.name).sort());
        const w = base.weights.get('model.layers.1.self_attn.k_proj.weight');
        assert.ok(w);
        const W = await base.readMatrix(w, false);
        assert.deepEqual([W.rows, W.cols], [3, 4]);
        assert.ok(W.values instanceof Float64Array);
        assert.deepEqual([...W.values], Array.from(tensors[2].values));
        const T = await base.readMatrix(w, true);
        assert.deepEqual([T.rows, T.cols], [4, 3]);
        assert.equal(T.values[1 * 3 + 2], tensors[2].values[2 * 4 + 1]);
        const q = await base.readMatrix(base.weights.get('model.layers.0.self_attn.q_proj.weight') ?? assert.fail(), false);
        assert.ok(q.values instanceof Float32Array);
        assert.equal(q.values[5], Math.fround(tensors[0].values[5]), rng.tag);
      } finally {
        await base.close();
      }
    }
  } finally {
    await removeDir(dir);
  }
});

test('a sharded model: the index maps each weight to its shard; the index file, its folder and an HF cache repo all open it', async () => {
  const rng = Rng.fresh();
  const root = await tempDir();
  try {
    const repo = join(root, 'models--org--tiny');
    const snap = join(repo, 'snapshots', 'abc123');
    const blobs = join(repo, 'blobs');
    await mkdir(snap, { recursive: true });
    await mkdir(blobs, { recursive: true });
    const [a, b, c] = weights(rng);
    // The cache stores blobs and links to them from the snapshot, as huggingface_hub does.
    await writeFixture(blobs, 'blob1', [a]);
    await writeFixture(blobs, 'blob2', [b, c]);
    await symlink(join(blobs, 'blob1'), join(snap, 'model-00001-of-00002.safetensors'));
    await symlink(join(blobs, 'blob2'), join(snap, 'model-00002-of-00002.safetensors'));
    const index = {
      metadata: {},
      weight_map: { [a.name]: 'model-00001-of-00002.safetensors', [b.name]: 'model-00002-of-00002.safetensors', [c.name]: 'model-00002-of-00002.safetensors' },
    };
    await writeFile(join(snap, 'model.safetensors.index.json'), JSON.stringify(index));
    for (const p of [repo, snap, join(snap, 'model.safetensors.index.json')]) {
      const base = await BaseModel.open(p);
      try {
        assert.equal(base.layout.shards.length, 2);
        assert.equal(base.weights.size, 3);
        const W = await base.readMatrix(base.weights.get(c.name) ?? assert.fail(), false);
        assert.deepEqual([...W.values], Array.from(c.values), rng.tag);
      } finally {
        await base.close();
      }
    }
    await rm(join(snap, 'model-00002-of-00002.safetensors'));
    await expectCode(BaseModel.open(repo), 'MISSING_SHARD', /model-00002-of-00002\.safetensors/);
    await writeFile(join(snap, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { [a.name]: '../../evil.safetensors' } }));
    await expectCode(BaseModel.open(snap), 'BAD_INDEX', /not a file name/);
    await writeFile(join(snap, 'model.safetensors.index.json'), '{"weight_map": [');
    await expectCode(BaseModel.open(snap), 'BAD_INDEX', /cannot read/);
  } finally {
    await removeDir(root);
  }
});

test('no such base, and a folder without weights, are typed errors', async () => {
  const dir = await tempDir();
  try {
    await expectCode(BaseModel.open(join(dir, 'nope')), 'NO_SUCH_BASE', /no such base model/);
    await expectCode(BaseModel.open(dir), 'NO_WEIGHTS', /no \.safetensors file/);
    await writeFixture(dir, 'a.safetensors', weights(Rng.fresh()));
    await writeFixture(dir, 'b.safetensors', weights(Rng.fresh()));
    await expectCode(BaseModel.open(dir), 'NO_WEIGHTS', /2 \.safetensors files/);
  } finally {
    await removeDir(dir);
  }
});

test('a diffusers pipeline: component weights behind their component name; kohya and diffusers adapter names find them', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    await writeFile(join(dir, 'model_index.json'), '{"_class_name": "StableDiffusionPipeline"}');
    await mkdir(join(dir, 'unet'));
    await mkdir(join(dir, 'text_encoder'));
    await mkdir(join(dir, 'scheduler'));
    const q = { name: 'down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight', shape: [4, 4], values: rng.gaussians(16), dtype: 'F32' as const };
    await writeFixture(join(dir, 'unet'), 'diffusion_pytorch_model.safetensors', [q]);
    // A dtype variant beside it is not read.
    await writeFixture(join(dir, 'unet'), 'diffusion_pytorch_model.fp16.safetensors', [{ ...q, dtype: 'F16' }]);
    await writeFixture(join(dir, 'text_encoder'), 'model.safetensors', [{ name: 'text_model.encoder.layers.0.self_attn.q_proj.weight', shape: [5, 5], values: rng.gaussians(25) }]);
    const base = await BaseModel.open(dir);
    try {
      assert.deepEqual(
        base.layout.shards.map((s) => [s.component, s.path.split('/').at(-1)]),
        [
          ['text_encoder', 'model.safetensors'],
          ['unet', 'diffusion_pytorch_model.safetensors'],
        ],
      );
      assert.deepEqual([...base.weights.keys()].sort(), ['text_encoder.text_model.encoder.layers.0.self_attn.q_proj.weight', `unet.${q.name}`]);
      const index = indexBaseWeights(base.weights.values());
      const name = (module: string, shape: [number, number]) => {
        const m = matchBaseWeight({ name: module, shape }, index, false);
        return 'reason' in m ? m.reason : m.weight.name;
      };
      assert.equal(name('lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q', [4, 4]), `unet.${q.name}`);
      assert.equal(name('unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q', [4, 4]), `unet.${q.name}`);
      assert.equal(name('lora_te_text_model_encoder_layers_0_self_attn_q_proj', [5, 5]), 'text_encoder.text_model.encoder.layers.0.self_attn.q_proj.weight');
      assert.match(name('text_encoder.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q', [4, 4]), /no base weight/);
      const W = await base.readMatrix(base.weights.get(`unet.${q.name}`) ?? assert.fail(), false);
      assert.ok(W.values instanceof Float32Array, 'the F32 file, not the F16 variant');
    } finally {
      await base.close();
    }
  } finally {
    await removeDir(dir);
  }
});
