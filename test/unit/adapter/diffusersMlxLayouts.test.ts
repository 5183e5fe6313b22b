import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { gaussian, transposeDense } from '../../helpers/factors';
import { removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { assertSpectrum, withAnalysis } from '../../helpers/layoutCheck';
import { Rng } from '../../helpers/random';
import { materialize, type Dense } from '../../helpers/referenceSvd';

/** diffusers and mlx-lm layouts written as real files, checked against the reference. */

test('diffusers attention-processor and lora_linear_layer names map to the modules they adapt', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const r = 2;
  const q = { A: gaussian(rng, r, 8), B: gaussian(rng, 8, r) };
  const out = { A: gaussian(rng, r, 8), B: gaussian(rng, 8, r) };
  const te = { A: gaussian(rng, r, 6), B: gaussian(rng, 6, r) };
  const base = 'unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1';
  const path = await writeFixture(dir, 'pytorch_lora_weights.safetensors', [
    { name: `${base}.processor.to_q_lora.down.weight`, shape: [r, 8], values: q.A.data },
    { name: `${base}.processor.to_q_lora.up.weight`, shape: [8, r], values: q.B.data },
    { name: `${base}.processor.to_out_lora.down.weight`, shape: [r, 8], values: out.A.data },
    { name: `${base}.processor.to_out_lora.up.weight`, shape: [8, r], values: out.B.data },
    { name: 'text_encoder.text_model.encoder.layers.0.self_attn.q_proj.lora_linear_layer.down.weight', shape: [r, 6], values: te.A.data },
    { name: 'text_encoder.text_model.encoder.layers.0.self_attn.q_proj.lora_linear_layer.up.weight', shape: [6, r], values: te.B.data },
  ]);
  await withAnalysis(path, ({ adapter }, results) => {
    assert.equal(adapter.format, 'diffusers');
    assert.match(adapter.formatDetail, /attention-processor keys/);
    assert.deepEqual(adapter.modules.map((m) => m.name).sort(), [`${base}.to_out.0`, `${base}.to_q`, 'text_encoder.text_model.encoder.layers.0.self_attn.q_proj'].sort());
    for (const m of adapter.modules) assert.equal(m.scale, 1, m.name);
    assertSpectrum(results, `${base}.to_q`, materialize(1, q.B, q.A), rng);
    assertSpectrum(results, `${base}.to_out.0`, materialize(1, out.B, out.A), rng);
  });
  await removeDir(dir);
});

test('diffusers lora_adapter_metadata: flat and per-component LoraConfigs set the scale', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const r = 4;
  const f = { A: gaussian(rng, r, 6), B: gaussian(rng, 6, r) };
  const tensors = [
    { name: 'transformer.blocks.0.attn.to_q.lora_A.weight', shape: [r, 6], values: f.A.data },
    { name: 'transformer.blocks.0.attn.to_q.lora_B.weight', shape: [6, r], values: f.B.data },
  ];
  const flat = await writeFixture(dir, 'flat.safetensors', tensors, {
    metadata: { format: 'pt', lora_adapter_metadata: JSON.stringify({ r, lora_alpha: 8, alpha_pattern: { 'attn.to_q': 2 } }) },
  });
  await withAnalysis(flat, ({ adapter }, results) => {
    assert.equal(adapter.format, 'diffusers');
    assert.equal(adapter.modules[0].scale, 2 / 4);
    assertSpectrum(results, 'transformer.blocks.0.attn.to_q', materialize(0.5, f.B, f.A), rng);
  });
  const prefixed = await writeFixture(dir, 'prefixed.safetensors', tensors, {
    metadata: { lora_adapter_metadata: JSON.stringify({ 'transformer.r': r, 'transformer.lora_alpha': 12 }) },
  });
  await withAnalysis(prefixed, ({ adapter }) => assert.equal(adapter.modules[0].scale, 3));
  await removeDir(dir);
});

test('mlx-lm: transposed factors, absolute scale, 20 assumed (and flagged) when the config names none, unknown without a config', async () => {
  const rng = Rng.fresh();
  const r = 3;
  const f = { a: gaussian(rng, 10, r), b: gaussian(rng, r, 7) };
  const tensors = [
    { name: 'model.layers.0.self_attn.q_proj.lora_a', shape: [10, r], values: f.a.data },
    { name: 'model.layers.0.self_attn.q_proj.lora_b', shape: [r, 7], values: f.b.data },
  ];
  // ΔW = scale · (lora_a · lora_b)ᵀ = scale · lora_bᵀ · lora_aᵀ: B = lora_bᵀ (7×r), A = lora_aᵀ (r×10).
  const cases: readonly [unknown, number, boolean, RegExp | null][] = [
    [{ lora_parameters: { rank: r, alpha: 16, scale: 10.0 }, model: 'Qwen/Qwen2.5-0.5B-Instruct', fine_tune_type: 'lora', num_layers: 16 }, 10, true, null],
    // The layout mlx-lm wrote before and after 0.14.2: the alpha-era rule is named in a warning.
    [{ lora_layers: 16, lora_parameters: { rank: r, alpha: 6, scale: 10.0 } }, 10, true, /scale · alpha \/ rank = 20; 10 is shown/],
    [{ lora_layers: 16, lora_parameters: { rank: r } }, 20, false, null],
    [undefined, 1, false, null],
  ];
  for (const [config, scale, known, warning] of cases) {
    const dir = await tempDir();
    const path = await writeFixture(dir, 'adapters.safetensors', tensors, config === undefined ? {} : { config });
    await withAnalysis(path, ({ adapter }, results) => {
      assert.equal(adapter.format, 'mlx');
      const m = adapter.modules[0];
      assert.deepEqual(m.shape, [7, 10]);
      assert.equal(m.scale, scale);
      assert.equal(m.scaleKnown, known);
      if (warning) assert.match(adapter.warnings.join(' '), warning);
      else assert.deepEqual(adapter.warnings, []);
      assertSpectrum(results, 'model.layers.0.self_attn.q_proj', materialize(scale, transposeDense(f.b), transposeDense(f.a)), rng);
    });
    await removeDir(dir);
  }
});

test('mlx-lm stacked MoE factors: lora_b [E, m, r] with lora_a [E, r, n] (or the older [E·r, n]) give one module per expert', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const [E, r, m, n] = [3, 2, 6, 5];
  const a = gaussian(rng, E * r, n);
  const b = gaussian(rng, E * m, r);
  const older = await writeFixture(
    dir,
    'adapters.safetensors',
    [
      { name: 'model.layers.0.mlp.switch_mlp.up_proj.lora_a', shape: [E * r, n], values: a.data, dtype: 'F32' },
      { name: 'model.layers.0.mlp.switch_mlp.up_proj.lora_b', shape: [E, m, r], values: b.data, dtype: 'F32' },
    ],
    { config: { lora_parameters: { rank: r, scale: 2.0 } } },
  );
  const current = await writeFixture(dir, 'current.safetensors', [
    { name: 'model.layers.0.mlp.switch_mlp.up_proj.lora_a', shape: [E, r, n], values: a.data, dtype: 'F32' },
    { name: 'model.layers.0.mlp.switch_mlp.up_proj.lora_b', shape: [E, m, r], values: b.data, dtype: 'F32' },
  ]);
  await withAnalysis(current, ({ adapter }, results) => {
    assert.equal(adapter.modules.length, E);
    assert.ok(results.get('model.layers.0.mlp.experts.2.up_proj')?.status === 'ok');
  });
  await withAnalysis(older, ({ adapter }, results) => {
    assert.equal(adapter.modules.length, E);
    for (let e = 0; e < E; e++) {
      const name = `model.layers.0.mlp.experts.${e}.up_proj`;
      assert.deepEqual(adapter.modules[e].shape, [m, n]);
      assert.equal(adapter.modules[e].expert, e);
      // Values went through float32, so the reference is built from the float32-rounded factors.
      const round = (X: Dense, from: number, rows: number): Dense => ({
        rows,
        cols: X.cols,
        data: Float64Array.from(X.data.subarray(from * X.cols, (from + rows) * X.cols), Math.fround),
      });
      assertSpectrum(results, name, materialize(2, round(b, e * m, m), round(a, e * r, r)), rng);
    }
  });
  await removeDir(dir);
});

test('mlx-lm embeddings are shown in the embedding table orientation', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const [V, r, d] = [12, 2, 5];
  const a = gaussian(rng, V, r);
  const b = gaussian(rng, r, d);
  const path = await writeFixture(
    dir,
    'adapters.safetensors',
    [
      { name: 'model.embed_tokens.lora_a', shape: [V, r], values: a.data },
      { name: 'model.embed_tokens.lora_b', shape: [r, d], values: b.data },
    ],
    { config: { fine_tune_type: 'lora', lora_parameters: { rank: r, scale: 3 } } },
  );
  await withAnalysis(path, ({ adapter }, results) => {
    assert.equal(adapter.modules[0].kind, 'embedding');
    assert.deepEqual(adapter.modules[0].shape, [V, d]);
    // ΔW of the table is scale · lora_a · lora_b.
    assertSpectrum(results, 'model.embed_tokens', materialize(3, a, b), rng);
  });
  await removeDir(dir);
});
