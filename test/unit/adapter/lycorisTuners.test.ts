import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { withAnalysis } from '../../helpers/layoutCheck';
import { Rng } from '../../helpers/random';

/** LyCORIS algorithms that are not B·A, named for what they are instead of "no adapter found". */

test('LyCORIS GLoRA beside Diag-OFT: the GLoRA low-rank part is analysed, the OFT module listed with its algorithm and tensors', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const [r, d] = [2, 6];
  // LyCORIS lycoris/modules/glora.py (linear): a1 = Linear(dim, in), a2 = Linear(in, dim),
  // b1 = Linear(dim, out), b2 = Linear(in, dim), saved as `.weight` [out_features, in_features], and alpha.
  const glora = 'lora_unet_down_blocks_0_attentions_0_proj_in';
  // diag_oft.py: oft_blocks [blocks, b, b].
  const oft = 'lora_te1_text_model_encoder_layers_0_self_attn_q_proj';
  const path = await writeFixture(dir, 'tuners.safetensors', [
    { name: `${glora}.a1.weight`, shape: [d, r], values: rng.gaussians(r * d) },
    { name: `${glora}.a2.weight`, shape: [r, d], values: rng.gaussians(r * d) },
    { name: `${glora}.b1.weight`, shape: [d, r], values: rng.gaussians(r * d) },
    { name: `${glora}.b2.weight`, shape: [r, d], values: rng.gaussians(r * d) },
    { name: `${glora}.alpha`, shape: [], values: [1] },
    { name: `${oft}.oft_blocks`, shape: [3, 2, 2], values: rng.gaussians(12) },
  ]);
  await withAnalysis(path, ({ adapter }, results) => {
    assert.notEqual(adapter.formatDetail, 'no adapter found');
    assert.match(
      adapter.formatDetail,
      /LyCORIS (GLoRA, OFT|OFT, GLoRA) \(1 GLoRA module: the numbers are of the low-rank part b1·b2 only; the W·a1·a2 term needs the base weight; not a low-rank adapter: 1 modules listed\)/,
    );
    assert.equal(adapter.analysable, true);
    const g = adapter.modules.find((m) => m.name === glora);
    assert.equal(g?.factors?.type, 'lowRank');
    assert.deepEqual(g?.shape, [d, d]);
    assert.equal(g?.scale, 1 / r);
    assert.ok(g?.tensors.alpha);
    assert.equal(results.get(glora)?.status, 'ok');
    assert.match(adapter.modules.find((m) => m.name === oft)?.warnings[0] ?? '', /block rotations/);
    assert.equal(results.get(oft)?.status, 'skipped');
    assert.equal(adapter.otherTensors.length, 0);
  });
  await removeDir(dir);
});

test('LyCORIS GLoRA without its b1/b2 pair is listed with what its tensors mean', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const glora = 'lora_unet_down_blocks_0_attentions_0_proj_in';
  const path = await writeFixture(dir, 'glora_a_only.safetensors', [
    { name: `${glora}.a1.weight`, shape: [6, 2], values: rng.gaussians(12) },
    { name: `${glora}.a2.weight`, shape: [2, 6], values: rng.gaussians(12) },
  ]);
  await withAnalysis(path, ({ adapter }) => {
    assert.equal(adapter.analysable, false);
    assert.match(adapter.formatDetail, /^LyCORIS GLoRA \(not a low-rank adapter: 1 modules listed\)$/);
    assert.match(adapter.modules[0].warnings[0], /W·a1·a2.*a1\.weight \[6, 2\]/);
  });
  await removeDir(dir);
});
