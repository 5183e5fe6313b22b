import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { parseModuleName } from '../../../src/core/adapter/moduleNames';
import { compareAdapters } from '../../../src/core/subspace/compare';
import { baseModuleKey } from '../../../src/core/subspace/names';
import { gaussian } from '../../helpers/factors';
import { removeDir, tempDir, writeFixture, type FixtureTensor } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

/**
 * ComfyUI's text-encoder LoRA names (comfy/lora.py `model_lora_keys_clip`: `text_encoders.` + the
 * CLIP's own state-dict key, `clip_l.transformer.text_model.…`) against kohya's lora_te1_/te2_/te3_
 * (sd-scripts networks/lora_sd3.py: CLIP-L, CLIP-G, T5-XXL).
 */

const CLIP = 'text_model.encoder.layers.0.self_attn.q_proj';
const T5 = 'encoder.block.0.layer.0.SelfAttention.q';

test('text_encoders.clip_l. / clip_g. / t5xxl. read as the text encoders kohya calls te1, te2, te3', () => {
  assert.deepEqual(parseModuleName(`text_encoders.clip_l.transformer.${CLIP}`), { component: 'text_encoder', path: CLIP, spelling: 'diffusers' });
  assert.deepEqual(parseModuleName(`text_encoders.clip_g.transformer.${CLIP}`), { component: 'text_encoder_2', path: CLIP, spelling: 'diffusers' });
  assert.deepEqual(parseModuleName(`text_encoders.t5xxl.transformer.${T5}`), { component: 'text_encoder_3', path: T5, spelling: 'diffusers' });
  assert.equal(baseModuleKey(`text_encoders.clip_l.transformer.${CLIP}`).key, baseModuleKey(`lora_te1_${CLIP.replace(/\./g, '_')}`).key);
  assert.equal(baseModuleKey(`text_encoders.clip_g.transformer.${CLIP}`).key, baseModuleKey(`lora_te2_${CLIP.replace(/\./g, '_')}`).key);
  assert.equal(baseModuleKey(`text_encoders.t5xxl.transformer.${T5}`).key, baseModuleKey(`lora_te3_${T5.replace(/\./g, '_')}`).key);
  // Another encoder's name stays apart.
  assert.notEqual(baseModuleKey(`text_encoders.clip_g.transformer.${CLIP}`).key, baseModuleKey(`lora_te1_${CLIP.replace(/\./g, '_')}`).key);
});

test('a ComfyUI LoraSave file and a kohya SD3 file with the same factors line up module for module', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const r = 2;
  const targets: { comfy: string; kohya: string; m: number; n: number }[] = [
    { comfy: `text_encoders.clip_l.transformer.${CLIP}`, kohya: `lora_te1_${CLIP.replace(/\./g, '_')}`, m: 6, n: 6 },
    { comfy: `text_encoders.clip_g.transformer.${CLIP}`, kohya: `lora_te2_${CLIP.replace(/\./g, '_')}`, m: 8, n: 8 },
    { comfy: `text_encoders.t5xxl.transformer.${T5}`, kohya: `lora_te3_${T5.replace(/\./g, '_')}`, m: 10, n: 10 },
    { comfy: 'diffusion_model.joint_blocks.0.x_block.attn.qkv', kohya: 'lora_unet_joint_blocks_0_x_block_attn_qkv', m: 12, n: 4 },
  ];
  const factors = targets.map((t) => ({ ...t, up: gaussian(rng, t.m, r), down: gaussian(rng, r, t.n) }));
  // ComfyUI comfy_extras/nodes_lora_extract.py (LoraSave, calc_lora_model): `<prefix><key>.lora_up.weight` /
  // `.lora_down.weight` in float16 with no alpha; the prefix is `text_encoders.` for the CLIP model.
  const comfyTensors: FixtureTensor[] = factors.flatMap((f) => [
    { name: `${f.comfy}.lora_up.weight`, shape: [f.m, r], values: f.up.data, dtype: 'F16' as const },
    { name: `${f.comfy}.lora_down.weight`, shape: [r, f.n], values: f.down.data, dtype: 'F16' as const },
  ]);
  // kohya sd-scripts networks/lora_sd3.py: lora_down/lora_up/alpha; alpha = r, so s = 1 as in ComfyUI.
  const kohyaTensors: FixtureTensor[] = factors.flatMap((f) => [
    { name: `${f.kohya}.lora_down.weight`, shape: [r, f.n], values: f.down.data, dtype: 'F16' as const },
    { name: `${f.kohya}.lora_up.weight`, shape: [f.m, r], values: f.up.data, dtype: 'F16' as const },
    { name: `${f.kohya}.alpha`, shape: [], values: [r], dtype: 'F32' as const },
  ]);
  const comfy = await openAdapter(await writeFixture(dir, 'ComfyUI_extracted_lora_00001_.safetensors', comfyTensors));
  const kohya = await openAdapter(await writeFixture(dir, 'kohya_sd3.safetensors', kohyaTensors));
  try {
    const result = await compareAdapters(comfy, kohya);
    assert.deepEqual(result.unmatched, []);
    const byA = new Map(result.modules.map((c) => [c.name, c]));
    for (const f of factors) {
      const c = byA.get(f.comfy);
      assert.equal(c?.nameB, f.kohya, f.comfy);
      assert.ok(Math.abs((c.cosine as number) - 1) <= 1e-9, `${f.comfy}: cosine ${c.cosine} ${rng.tag}`);
    }
  } finally {
    await comfy.file.close();
    await kohya.file.close();
  }
  await removeDir(dir);
});
