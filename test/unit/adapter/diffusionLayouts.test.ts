import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { withPieceNorms } from '../../../src/core/adapter/fullRankPieces';
import { baseModuleKey } from '../../../src/core/subspace/names';
import { gaussian } from '../../helpers/factors';
import { removeDir, tempDir, writeFixture, type FixtureTensor } from '../../helpers/fixtures';
import { assertSpectrum, withAnalysis } from '../../helpers/layoutCheck';
import { Rng } from '../../helpers/random';
import { materialize, type Dense } from '../../helpers/referenceSvd';

/** The diffusion_model. family, musubi-tuner, ComfyUI, Mochi, LyCORIS' own prefix and SD3's T5, with their writers' key names. */

const pair = (rng: Rng, m: number, n: number, r: number) => ({ up: gaussian(rng, m, r), down: gaussian(rng, r, n) });
const t = (name: string, X: Dense, dtype: FixtureTensor['dtype'] = 'F64'): FixtureTensor => ({ name, shape: [X.rows, X.cols], values: X.data, dtype });

test('Wan 2.x diffusion_model. keys: PEFT-style factors read as a diffusers LoRA, diff and diff_b reported per module with their norms', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const [d, r] = [8, 2];
  const q = pair(rng, d, d, r);
  const ffn = pair(rng, 4 * d, d, r);
  const norm = Array.from({ length: d }, (_, i) => i - 3);
  const bias = Array.from({ length: d }, () => 0.5);
  // Wan 2.x LoRAs as ComfyUI / musubi-tuner conversions save them (comfy/lora.py key map for WAN: diffusion_model.blocks.N…).
  const path = await writeFixture(dir, 'wan.safetensors', [
    t('diffusion_model.blocks.0.self_attn.q.lora_A.weight', q.down),
    t('diffusion_model.blocks.0.self_attn.q.lora_B.weight', q.up),
    { name: 'diffusion_model.blocks.0.self_attn.q.diff_b', shape: [d], values: bias },
    t('diffusion_model.blocks.0.ffn.0.lora_A.weight', ffn.down),
    t('diffusion_model.blocks.0.ffn.0.lora_B.weight', ffn.up),
    { name: 'diffusion_model.blocks.0.norm3.diff', shape: [d], values: norm },
  ]);
  await withAnalysis(path, ({ adapter }, results, analysis) => {
    assert.equal(adapter.format, 'diffusers');
    assert.deepEqual(
      adapter.modules.map((m) => m.name),
      ['diffusion_model.blocks.0.ffn.0', 'diffusion_model.blocks.0.self_attn.q'],
    );
    assertSpectrum(results, 'diffusion_model.blocks.0.self_attn.q', materialize(1, q.up, q.down), rng);
    assertSpectrum(results, 'diffusion_model.blocks.0.ffn.0', materialize(1, ffn.up, ffn.down), rng);
    const others = withPieceNorms(adapter.otherTensors, analysis.pieceNorms);
    const diff = others.find((o) => o.name === 'diffusion_model.blocks.0.norm3.diff');
    const diffB = others.find((o) => o.name === 'diffusion_model.blocks.0.self_attn.q.diff_b');
    assert.equal(diff?.role, 'full-rank diff');
    assert.equal(diff?.module, 'diffusion_model.blocks.0.norm3');
    assert.ok(Math.abs((diff?.norm ?? 0) - Math.hypot(...norm)) < 1e-12);
    assert.equal(diffB?.role, 'bias diff');
    assert.equal(diffB?.module, 'diffusion_model.blocks.0.self_attn.q');
    assert.ok(Math.abs((diffB?.norm ?? 0) - Math.hypot(...bias)) < 1e-12);
    assert.ok(adapter.warnings.some((w) => /2 full-rank piece\(s\)/.test(w)));
  });
  await removeDir(dir);
});

test('musubi-tuner kohya names (lora_unet_blocks_N_self_attn_q) key like the diffusion_model. and bare Wan names', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const r = 2;
  const q = pair(rng, 6, 6, r);
  // musubi-tuner networks/lora_wan.py: kohya-style lora_unet_ + flattened WanModel path.
  const path = await writeFixture(dir, 'musubi.safetensors', [
    t('lora_unet_blocks_0_self_attn_q.lora_down.weight', q.down),
    t('lora_unet_blocks_0_self_attn_q.lora_up.weight', q.up),
    { name: 'lora_unet_blocks_0_self_attn_q.alpha', shape: [], values: [1], dtype: 'F32' },
  ]);
  await withAnalysis(path, ({ adapter }, results) => {
    assert.equal(adapter.format, 'kohya');
    assert.equal(adapter.modules[0].scale, 1 / r);
    assertSpectrum(results, 'lora_unet_blocks_0_self_attn_q', materialize(1 / r, q.up, q.down), rng);
  });
  const key = baseModuleKey('lora_unet_blocks_0_self_attn_q').key;
  assert.equal(baseModuleKey('diffusion_model.blocks.0.self_attn.q').key, key);
  assert.equal(baseModuleKey('transformer.blocks.0.self_attn.q').key, key);
  // HunyuanVideo's original names (img_attn_qkv) and kohya's FLUX-style flattening agree.
  assert.equal(baseModuleKey('diffusion_model.double_blocks.0.img_attn_qkv').key, baseModuleKey('lora_unet_double_blocks_0_img_attn_qkv').key);
  await removeDir(dir);
});

test('ComfyUI "_lora.up.weight" and Mochi-style ".lora_B" without ".weight" are read', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const r = 2;
  const a = pair(rng, 5, 4, r);
  const b = pair(rng, 5, 5, r);
  const c = pair(rng, 6, 4, r);
  const path = await writeFixture(dir, 'comfy.safetensors', [
    // comfy/lora.py: diffusers_lora = "{}_lora.up.weight", mochi_lora = "{}.lora_B".
    t('unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q_lora.down.weight', a.down),
    t('unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q_lora.up.weight', a.up),
    t('unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out_lora.down.weight', b.down),
    t('unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out_lora.up.weight', b.up),
    t('transformer.transformer_blocks.0.attn1.to_k.lora_A', c.down),
    t('transformer.transformer_blocks.0.attn1.to_k.lora_B', c.up),
  ]);
  await withAnalysis(path, ({ adapter }, results) => {
    assert.equal(adapter.format, 'diffusers');
    assert.deepEqual(adapter.modules.map((m) => m.name).sort(), [
      'transformer.transformer_blocks.0.attn1.to_k',
      'unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0',
      'unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q',
    ]);
    assertSpectrum(results, 'unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q', materialize(1, a.up, a.down), rng);
    assertSpectrum(results, 'transformer.transformer_blocks.0.attn1.to_k', materialize(1, c.up, c.down), rng);
  });
  await removeDir(dir);
});

test("LyCORIS' own lycoris_ prefix is a LyCORIS file with kohya names and no component; SD3's lora_te3_ is the T5 encoder", async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const r = 2;
  const a = pair(rng, 4, 4, r);
  // lycoris/wrapper.py: LORA_PREFIX = "lycoris", names prefix + "_" + flattened path.
  const path = await writeFixture(dir, 'lycoris.safetensors', [
    t('lycoris_transformer_blocks_0_attn_to_q.lora_down.weight', a.down),
    t('lycoris_transformer_blocks_0_attn_to_q.lora_up.weight', a.up),
    { name: 'lycoris_transformer_blocks_0_attn_to_q.alpha', shape: [], values: [4], dtype: 'F32' },
  ]);
  await withAnalysis(path, ({ adapter }, results) => {
    assert.equal(adapter.format, 'lycoris');
    assertSpectrum(results, 'lycoris_transformer_blocks_0_attn_to_q', materialize(4 / r, a.up, a.down), rng);
  });
  assert.deepEqual(
    [baseModuleKey('lycoris_transformer_blocks_0_attn_to_q').component, baseModuleKey('lycoris_transformer_blocks_0_attn_to_q').path],
    [null, baseModuleKey('transformer.transformer_blocks.0.attn.to_q').path],
  );
  // sd-scripts sd3_train_network / lora_sd3.py: lora_te3_ for T5-XXL.
  assert.equal(baseModuleKey('lora_te3_encoder_block_0_layer_0_SelfAttention_q').key, baseModuleKey('text_encoder_3.encoder.block.0.layer.0.SelfAttention.q').key);
  await removeDir(dir);
});

test('HunyuanVideo diffusion_model. names (img_attn_qkv kept whole) are not taken for FLUX.1', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const a = pair(rng, 9, 3, 2);
  const path = await writeFixture(dir, 'hunyuan.safetensors', [
    t('diffusion_model.double_blocks.0.img_attn_qkv.lora_A.weight', a.down),
    t('diffusion_model.double_blocks.0.img_attn_qkv.lora_B.weight', a.up),
  ]);
  await withAnalysis(path, ({ adapter }, results) => {
    assert.equal(adapter.format, 'diffusers');
    assert.equal(adapter.baseModel, null);
    assertSpectrum(results, 'diffusion_model.double_blocks.0.img_attn_qkv', materialize(1, a.up, a.down), rng);
  });
  await removeDir(dir);
});
