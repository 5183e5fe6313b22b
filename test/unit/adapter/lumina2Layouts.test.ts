import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { compareAdapters } from '../../../src/core/subspace/compare';
import { baseModuleKey } from '../../../src/core/subspace/names';
import { gaussian } from '../../helpers/factors';
import { removeDir, tempDir, writeFixture, type FixtureTensor } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import type { Dense } from '../../helpers/referenceSvd';

/**
 * Lumina-Image 2.0 LoRAs in the original (ComfyUI `diffusion_model.`) names and in diffusers' names,
 * as diffusers converts one into the other (loaders/lora_conversion_utils.py,
 * `_convert_non_diffusers_lumina2_lora_to_diffusers`): `attention.qkv` split into to_q/to_k/to_v
 * (down copied, up split by rows at [2304, 768, 768]: 24 query heads, 8 key/value heads of 96),
 * `attention.out` → `attn.to_out.0`, `feed_forward.w1/2/3` → `feed_forward.linear_1/2/3`,
 * `adaLN_modulation.1` → `norm1.linear` (not in context_refiner blocks), all behind `transformer.`.
 * Sizes scaled down with the same 3 : 1 : 1 head ratio.
 */

const [KV, HIDDEN, FFN, R] = [4, 12, 16, 2];
const Q = 3 * KV;

interface Target {
  readonly path: string;
  readonly m: number;
  readonly n: number;
}

function lumina2Targets(): Target[] {
  const out: Target[] = [];
  const blocks: [string, boolean][] = [
    ['noise_refiner.0', true],
    ['context_refiner.0', false],
    ['layers.0', true],
    ['layers.1', true],
  ];
  for (const [block, modulated] of blocks) {
    out.push(
      { path: `${block}.attention.qkv`, m: Q + 2 * KV, n: HIDDEN },
      { path: `${block}.attention.out`, m: HIDDEN, n: Q },
      { path: `${block}.feed_forward.w1`, m: FFN, n: HIDDEN },
      { path: `${block}.feed_forward.w2`, m: HIDDEN, n: FFN },
      { path: `${block}.feed_forward.w3`, m: FFN, n: HIDDEN },
    );
    if (modulated) out.push({ path: `${block}.adaLN_modulation.1`, m: 4 * HIDDEN, n: HIDDEN });
  }
  return out;
}

const RENAME: readonly (readonly [string, string])[] = [
  ['attention.out', 'attn.to_out.0'],
  ['feed_forward.w1', 'feed_forward.linear_1'],
  ['feed_forward.w2', 'feed_forward.linear_2'],
  ['feed_forward.w3', 'feed_forward.linear_3'],
  ['adaLN_modulation.1', 'norm1.linear'],
];

function rows(X: Dense, from: number, count: number): Dense {
  return { rows: count, cols: X.cols, data: X.data.slice(from * X.cols, (from + count) * X.cols) };
}

const lora = (name: string, up: Dense, down: Dense): FixtureTensor[] => [
  { name: `${name}.lora_A.weight`, shape: [down.rows, down.cols], values: down.data },
  { name: `${name}.lora_B.weight`, shape: [up.rows, up.cols], values: up.data },
];

test('a Lumina2 LoRA in the original names and in diffusers names line up, the fused qkv slice by slice', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const pairs = lumina2Targets().map((t) => ({ ...t, up: gaussian(rng, t.m, R), down: gaussian(rng, R, t.n) }));
  const original = pairs.flatMap((p) => lora(`diffusion_model.${p.path}`, p.up, p.down));
  const diffusers = pairs.flatMap((p) => {
    const block = p.path.split('.').slice(0, 2).join('.');
    if (p.path.endsWith('attention.qkv'))
      return [
        ...lora(`transformer.${block}.attn.to_q`, rows(p.up, 0, Q), p.down),
        ...lora(`transformer.${block}.attn.to_k`, rows(p.up, Q, KV), p.down),
        ...lora(`transformer.${block}.attn.to_v`, rows(p.up, Q + KV, KV), p.down),
      ];
    const [, to] = RENAME.find(([o]) => p.path.endsWith(o)) as readonly [string, string];
    return lora(`transformer.${block}.${to}`, p.up, p.down);
  });
  const a = await openAdapter(await writeFixture(dir, 'lumina2_comfy.safetensors', original));
  const b = await openAdapter(await writeFixture(dir, 'lumina2_diffusers.safetensors', diffusers));
  try {
    const result = await compareAdapters(a, b);
    assert.deepEqual(result.unmatched, []);
    // 4 blocks × (3 qkv slices + out + 3 ff) + 3 modulated blocks' adaLN.
    assert.equal(result.modules.length, 4 * 7 + 3);
    const byA = new Map(result.modules.map((c) => [c.name, c]));
    assert.equal(byA.get('diffusion_model.layers.1.attention.qkv.0')?.nameB, 'transformer.layers.1.attn.to_q');
    assert.deepEqual(byA.get('diffusion_model.layers.1.attention.qkv.0')?.shape, [Q, HIDDEN]);
    assert.equal(byA.get('diffusion_model.noise_refiner.0.attention.qkv.2')?.nameB, 'transformer.noise_refiner.0.attn.to_v');
    assert.deepEqual(byA.get('diffusion_model.noise_refiner.0.attention.qkv.2')?.shape, [KV, HIDDEN]);
    assert.equal(byA.get('diffusion_model.layers.0.adaLN_modulation.1')?.nameB, 'transformer.layers.0.norm1.linear');
    assert.equal(byA.get('diffusion_model.context_refiner.0.feed_forward.w3')?.nameB, 'transformer.context_refiner.0.feed_forward.linear_3');
    for (const c of result.modules) {
      assert.ok(Math.abs((c.cosine as number) - 1) <= 1e-9, `${c.name}: cosine ${c.cosine} ${rng.tag}`);
      assert.ok((c.relativeDistance as number) <= 1e-9, `${c.name}: distance ${c.relativeDistance} ${rng.tag}`);
    }
  } finally {
    await a.file.close();
    await b.file.close();
  }
  await removeDir(dir);
});

test('Lumina2 names key alike; other models keep their paths', () => {
  assert.equal(baseModuleKey('transformer.layers.3.attn.to_k').key, baseModuleKey('diffusion_model.layers.3.attention.qkv.1').key);
  assert.equal(baseModuleKey('transformer.context_refiner.1.attn.to_out.0').key, baseModuleKey('diffusion_model.context_refiner.1.attention.out').key);
  assert.equal(baseModuleKey('model.layers.3.self_attn.q_proj').path, 'model_layers_3_self_attn_q_proj');
  assert.equal(baseModuleKey('unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q').path, 'down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q');
});
