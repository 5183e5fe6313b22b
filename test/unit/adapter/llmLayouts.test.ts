import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { gaussian } from '../../helpers/factors';
import { removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { assertSpectrum, withAnalysis } from '../../helpers/layoutCheck';
import { Rng } from '../../helpers/random';
import { materialize, type Dense } from '../../helpers/referenceSvd';

/** torchtune and PEFT LoRA variants written with their writers' key names and shapes. */

test('torchtune: lora_a/lora_b.weight and magnitude, modules named as the Hugging Face checkpoint names them', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const [r, d, f] = [2, 8, 12];
  const q = { A: gaussian(rng, r, d), B: gaussian(rng, d, r) };
  const w2 = { A: gaussian(rng, r, f), B: gaussian(rng, d, r) };
  // torchtune/modules/peft/dora.py: magnitude [out]; lora.py: lora_a [r, in], lora_b [out, r].
  const path = await writeFixture(dir, 'adapter_0.safetensors', [
    { name: 'layers.0.attn.q_proj.lora_a.weight', shape: [r, d], values: q.A.data },
    { name: 'layers.0.attn.q_proj.lora_b.weight', shape: [d, r], values: q.B.data },
    { name: 'layers.0.attn.q_proj.magnitude', shape: [d], values: rng.gaussians(d) },
    { name: 'layers.0.mlp.w2.lora_a.weight', shape: [r, f], values: w2.A.data },
    { name: 'layers.0.mlp.w2.lora_b.weight', shape: [d, r], values: w2.B.data },
  ]);
  await withAnalysis(path, ({ adapter }, results) => {
    assert.equal(adapter.format, 'torchtune');
    assert.match(adapter.formatDetail, /torchtune DoRA/);
    assert.deepEqual(adapter.modules.map((m) => m.name).sort(), ['model.layers.0.mlp.down_proj', 'model.layers.0.self_attn.q_proj']);
    const qm = adapter.modules.find((m) => m.name.endsWith('q_proj'));
    assert.equal(qm?.magnitude, 'layers.0.attn.q_proj.magnitude');
    assert.equal(qm?.scaleKnown, false);
    assertSpectrum(results, 'model.layers.0.self_attn.q_proj', materialize(1, q.B, q.A), rng);
    assertSpectrum(results, 'model.layers.0.mlp.down_proj', materialize(1, w2.B, w2.A), rng);
  });
  await removeDir(dir);
});

test('PEFT lora_bias and KaSA lora_diag: the diagonal sits between B and A, the bias update is named per module', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const [r, n, m, alpha] = [3, 7, 6, 12];
  const f = { A: gaussian(rng, r, n), B: gaussian(rng, m, r) };
  const diag = rng.gaussians(r);
  const wrap = 'base_model.model.model.layers.0.self_attn.v_proj';
  const path = await writeFixture(
    dir,
    'adapter_model.safetensors',
    [
      { name: `${wrap}.lora_A.weight`, shape: [r, n], values: f.A.data },
      { name: `${wrap}.lora_B.weight`, shape: [m, r], values: f.B.data },
      { name: `${wrap}.lora_B.bias`, shape: [m], values: rng.gaussians(m) },
      { name: `${wrap}.lora_diag`, shape: [r], values: diag },
    ],
    { config: { peft_type: 'LORA', r, lora_alpha: alpha, lora_bias: true, use_kasa: true } },
  );
  await withAnalysis(path, ({ adapter }, results) => {
    assert.match(adapter.formatDetail, /KaSA/);
    assert.match(adapter.formatDetail, /lora_bias/);
    const v = adapter.modules[0];
    assert.match(v.warnings.join(' '), /lora_B\.bias \(lora_bias\): a bias update of 6 values/);
    const M: Dense = { rows: r, cols: r, data: new Float64Array(r * r) };
    for (let i = 0; i < r; i++) M.data[i * r + i] = diag[i];
    assertSpectrum(results, 'model.layers.0.self_attn.v_proj', materialize(alpha / r, f.B, f.A, M), rng);
  });
  await removeDir(dir);
});
