import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { withAnalysis } from '../../helpers/layoutCheck';
import { Rng } from '../../helpers/random';

/** LyCORIS algorithms that are not B·A, named for what they are instead of "no adapter found". */

test('LyCORIS GLoRA and Diag-OFT files list each module with its algorithm and tensors', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const [r, d] = [2, 6];
  // LyCORIS lycoris/modules/glora.py weight_list: a1, a2, b1, b2 (.weight) and alpha.
  const glora = 'lora_unet_down_blocks_0_attentions_0_proj_in';
  // diag_oft.py: oft_blocks [blocks, b, b].
  const oft = 'lora_te1_text_model_encoder_layers_0_self_attn_q_proj';
  const path = await writeFixture(dir, 'tuners.safetensors', [
    { name: `${glora}.a1.weight`, shape: [r, d], values: rng.gaussians(r * d) },
    { name: `${glora}.a2.weight`, shape: [d, r], values: rng.gaussians(r * d) },
    { name: `${glora}.b1.weight`, shape: [r, d], values: rng.gaussians(r * d) },
    { name: `${glora}.b2.weight`, shape: [d, r], values: rng.gaussians(r * d) },
    { name: `${glora}.alpha`, shape: [], values: [1] },
    { name: `${oft}.oft_blocks`, shape: [3, 2, 2], values: rng.gaussians(12) },
  ]);
  await withAnalysis(path, ({ adapter }) => {
    assert.notEqual(adapter.formatDetail, 'no adapter found');
    assert.match(adapter.formatDetail, /LyCORIS (GLoRA, OFT|OFT, GLoRA) \(not a low-rank adapter: 2 modules listed\)/);
    const g = adapter.modules.find((m) => m.name === glora);
    assert.match(g?.warnings[0] ?? '', /W·\(a2·a1\) \+ b2·b1.*a1\.weight \[2, 6\]/);
    assert.ok(g?.tensors.alpha);
    assert.match(adapter.modules.find((m) => m.name === oft)?.warnings[0] ?? '', /block rotations/);
    assert.equal(adapter.otherTensors.length, 0);
  });
  await removeDir(dir);
});

test('LyCORIS LoKr with Tucker cores (lokr_t1/lokr_t2) is a LoKr module, listed with why it is not analysed', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const name = 'lora_unet_down_blocks_0_resnets_0_conv1';
  // lycoris/modules/lokr.py with use_tucker: w1_a/w1_b with t1, w2_a/w2_b with t2 [dim, dim, kh, kw].
  const path = await writeFixture(dir, 'lokr.safetensors', [
    { name: `${name}.lokr_w1_a`, shape: [4, 2], values: rng.gaussians(8) },
    { name: `${name}.lokr_w1_b`, shape: [2, 4], values: rng.gaussians(8) },
    { name: `${name}.lokr_t1`, shape: [2, 2, 1, 1], values: rng.gaussians(4) },
    { name: `${name}.lokr_w2_a`, shape: [2, 8], values: rng.gaussians(16) },
    { name: `${name}.lokr_w2_b`, shape: [2, 8], values: rng.gaussians(16) },
    { name: `${name}.lokr_t2`, shape: [2, 2, 3, 3], values: rng.gaussians(36) },
  ]);
  await withAnalysis(path, ({ adapter }) => {
    assert.equal(adapter.format, 'lycoris');
    assert.equal(adapter.modules.length, 1);
    assert.equal(adapter.modules[0].factors, null);
    assert.match(adapter.modules[0].warnings.join(' '), /Tucker cores \(lokr_t1, lokr_t2\)/);
    assert.equal(adapter.otherTensors.length, 0);
  });
  await removeDir(dir);
});
