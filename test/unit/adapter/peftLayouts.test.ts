import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { gaussian, transposeDense } from '../../helpers/factors';
import { removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { assertSpectrum, withAnalysis } from '../../helpers/layoutCheck';
import { Rng } from '../../helpers/random';
import { materialize, type Dense } from '../../helpers/referenceSvd';

/** PEFT layouts the corpus lacks, written as real files and checked against the reference. */

let dir: string;
before(async () => {
  dir = await tempDir();
});
after(async () => {
  await removeDir(dir);
});

test('PEFT rank_pattern, alpha_pattern and rsLoRA give each module its own scale', async () => {
  const rng = Rng.fresh();
  const sub = await tempDir();
  const pairs = { 'model.layers.0.self_attn.q_proj': 4, 'model.layers.1.self_attn.q_proj': 2, 'model.layers.0.self_attn.v_proj': 4 };
  const factors = Object.fromEntries(Object.entries(pairs).map(([name, r]) => [name, { B: gaussian(rng, 12, r), A: gaussian(rng, r, 10) }]));
  const tensors = Object.entries(factors).flatMap(([name, f]) => [
    { name: `base_model.model.${name}.lora_A.weight`, shape: [f.A.rows, f.A.cols], values: f.A.data },
    { name: `base_model.model.${name}.lora_B.weight`, shape: [f.B.rows, f.B.cols], values: f.B.data },
  ]);
  const config = {
    peft_type: 'LORA',
    r: 4,
    lora_alpha: 8,
    use_rslora: true,
    rank_pattern: { 'layers.1.self_attn.q_proj': 2 },
    alpha_pattern: { v_proj: 3 },
    base_model_name_or_path: 'toy/model',
  };
  const path = await writeFixture(sub, 'adapter_model.safetensors', tensors, { config });
  const scales = { 'model.layers.0.self_attn.q_proj': 8 / 2, 'model.layers.1.self_attn.q_proj': 8 / Math.SQRT2, 'model.layers.0.self_attn.v_proj': 3 / 2 };
  await withAnalysis(path, ({ adapter }, results) => {
    assert.equal(adapter.format, 'peft');
    assert.equal(adapter.formatDetail, 'PEFT LoRA (rsLoRA)');
    assert.equal(adapter.baseModel, 'toy/model');
    for (const [name, s] of Object.entries(scales)) {
      const m = adapter.modules.find((x) => x.name === name);
      assert.ok(m && Math.abs(m.scale - s) <= 1e-15 * s, `${name}: ${m?.scale} vs ${s} (${m?.scaleRule})`);
      assert.deepEqual(m?.warnings, []);
      assertSpectrum(results, name, materialize(s, factors[name].B, factors[name].A), rng);
    }
    assert.match(adapter.modules.find((m) => m.name.endsWith('layers.1.self_attn.q_proj'))?.scaleRule ?? '', /rank_pattern "layers\.1\.self_attn\.q_proj"/);
  });
  await removeDir(sub);
});

test('PEFT embeddings, conv, DoRA, MoSLoRA mixers and adapter-named keys', async () => {
  const rng = Rng.fresh();
  const r = 3;
  const emb = { A: gaussian(rng, r, 20), B: gaussian(rng, 6, r) };
  const conv = { A: gaussian(rng, r, 4 * 9), B: gaussian(rng, 5, r) };
  const dora = { A: gaussian(rng, r, 7), B: gaussian(rng, 9, r), m: gaussian(rng, 9, 1) };
  const mixed = { A: gaussian(rng, r, 8), B: gaussian(rng, 11, r), M: gaussian(rng, r, r) };
  const named = { A: gaussian(rng, r, 6), B: gaussian(rng, 6, r) };
  const path = await writeFixture(
    dir,
    'adapter_model.safetensors',
    [
      { name: 'base_model.model.embed_tokens.lora_embedding_A', shape: [r, 20], values: emb.A.data },
      { name: 'base_model.model.embed_tokens.lora_embedding_B', shape: [6, r], values: emb.B.data },
      { name: 'base_model.model.conv.lora_A.weight', shape: [r, 4, 3, 3], values: conv.A.data },
      { name: 'base_model.model.conv.lora_B.weight', shape: [5, r, 1, 1], values: conv.B.data },
      { name: 'base_model.model.dora.lora_A.weight', shape: [r, 7], values: dora.A.data },
      { name: 'base_model.model.dora.lora_B.weight', shape: [9, r], values: dora.B.data },
      { name: 'base_model.model.dora.lora_magnitude_vector', shape: [9], values: dora.m.data },
      { name: 'base_model.model.mixed.lora_A.weight', shape: [r, 8], values: mixed.A.data },
      { name: 'base_model.model.mixed.lora_AB.weight', shape: [r, r], values: mixed.M.data },
      { name: 'base_model.model.mixed.lora_B.weight', shape: [11, r], values: mixed.B.data },
      { name: 'base_model.model.named.lora_A.default.weight', shape: [r, 6], values: named.A.data },
      { name: 'base_model.model.named.lora_B.default.weight', shape: [6, r], values: named.B.data },
    ],
    { config: { peft_type: 'LORA', r, lora_alpha: 6, use_dora: true } },
  );
  await withAnalysis(path, ({ adapter }, results) => {
    const byName = new Map(adapter.modules.map((m) => [m.name, m]));
    assert.deepEqual([...byName.keys()], ['conv', 'dora', 'embed_tokens', 'mixed', 'named']);
    assert.equal(byName.get('embed_tokens')?.kind, 'embedding');
    assert.deepEqual(byName.get('embed_tokens')?.shape, [20, 6]);
    assert.equal(byName.get('conv')?.kind, 'conv');
    assert.deepEqual(byName.get('conv')?.shape, [5, 36]);
    assert.deepEqual(byName.get('conv')?.kernel, [3, 3]);
    assert.equal(byName.get('dora')?.magnitude, 'base_model.model.dora.lora_magnitude_vector');
    assert.equal(byName.get('mixed')?.tensors.M, 'base_model.model.mixed.lora_AB.weight');
    assert.match(adapter.formatDetail, /DoRA, MoSLoRA mixer/);
    const s = 2;
    // The embedding table's ΔW is (B·A)ᵀ; its spectrum is B·A's.
    assertSpectrum(results, 'embed_tokens', materialize(s, transposeDense(emb.A), transposeDense(emb.B)), rng);
    assertSpectrum(results, 'conv', materialize(s, conv.B, conv.A), rng);
    assertSpectrum(results, 'dora', materialize(s, dora.B, dora.A), rng);
    assertSpectrum(results, 'mixed', materialize(s, mixed.B, mixed.A, mixed.M), rng);
    assertSpectrum(results, 'named', materialize(s, named.B, named.A), rng);
    const d = results.get('dora');
    assert.ok(d?.status === 'ok' && d.magnitude);
    if (d?.status === 'ok' && d.magnitude) {
      assert.equal(d.magnitude.count, 9);
      assert.equal(d.magnitude.max, Math.max(...dora.m.data));
    }
  });
});

test('AdaLoRA (bare-parameter keys, factors trimmed to 4 of init_r = 12): ΔW = B·diag(E)·A · lora_alpha / (init_r + 1e-5)', async () => {
  const rng = Rng.fresh();
  const sub = await tempDir();
  const r = 4;
  const f = { A: gaussian(rng, r, 9), B: gaussian(rng, 10, r), E: gaussian(rng, r, 1) };
  const path = await writeFixture(
    sub,
    'adapter_model.safetensors',
    [
      { name: 'base_model.model.fc.lora_A', shape: [r, 9], values: f.A.data },
      { name: 'base_model.model.fc.lora_B', shape: [10, r], values: f.B.data },
      { name: 'base_model.model.fc.lora_E', shape: [r, 1], values: f.E.data },
    ],
    {
      // AdaLoRA's rank_pattern holds boolean masks over init_r, not ranks.
      config: {
        peft_type: 'ADALORA',
        r: 8,
        init_r: 12,
        target_r: 4,
        lora_alpha: 32,
        rank_pattern: { 'fc.lora_E': [true, false, true, false, false, true, false, false, true, false, false, false] },
      },
    },
  );
  const E: Dense = { rows: r, cols: r, data: new Float64Array(r * r) };
  for (let i = 0; i < r; i++) E.data[i * r + i] = f.E.data[i];
  await withAnalysis(path, ({ adapter }, results) => {
    assert.equal(adapter.formatDetail, 'PEFT AdaLoRA');
    const m = adapter.modules[0];
    assert.equal(m.rank, 4);
    assert.equal(m.scale, 32 / (12 + 1e-5));
    assert.equal(m.tensors.E, 'base_model.model.fc.lora_E');
    assertSpectrum(results, 'fc', materialize(32 / (12 + 1e-5), f.B, f.A, E), rng);
  });
  await removeDir(sub);
});

test('PEFT without its config: ranks from shapes, scale unknown (1) and flagged', async () => {
  const rng = Rng.fresh();
  const sub = await tempDir();
  const f = { A: gaussian(rng, 2, 5), B: gaussian(rng, 5, 2) };
  const path = await writeFixture(sub, 'adapter_model.safetensors', [
    { name: 'base_model.model.x.lora_A.weight', shape: [2, 5], values: f.A.data, dtype: 'F32' },
    { name: 'base_model.model.x.lora_B.weight', shape: [5, 2], values: f.B.data, dtype: 'F32' },
  ]);
  await withAnalysis(path, ({ adapter }) => {
    assert.equal(adapter.format, 'peft');
    assert.match(adapter.formatDetail, /no adapter_config\.json/);
    assert.equal(adapter.modules[0].scale, 1);
    assert.equal(adapter.modules[0].scaleKnown, false);
    assert.match(adapter.modules[0].scaleRule, /unknown/);
  });
  await removeDir(sub);
});

test('PEFT LoHa and LoKr types use the LyCORIS math with the config alpha', async () => {
  const rng = Rng.fresh();
  const sub = await tempDir();
  const r = 2;
  const h = { w1a: gaussian(rng, 6, r), w1b: gaussian(rng, r, 5), w2a: gaussian(rng, 6, r), w2b: gaussian(rng, r, 5) };
  const path = await writeFixture(
    sub,
    'adapter_model.safetensors',
    [
      { name: 'base_model.model.fc.hada_w1_a', shape: [6, r], values: h.w1a.data },
      { name: 'base_model.model.fc.hada_w1_b', shape: [r, 5], values: h.w1b.data },
      { name: 'base_model.model.fc.hada_w2_a', shape: [6, r], values: h.w2a.data },
      { name: 'base_model.model.fc.hada_w2_b', shape: [r, 5], values: h.w2b.data },
    ],
    { config: { peft_type: 'LOHA', r, alpha: 3 } },
  );
  await withAnalysis(path, ({ adapter }, results) => {
    assert.equal(adapter.formatDetail, 'PEFT LoHa');
    assert.equal(adapter.modules[0].scale, 1.5);
    assert.equal(adapter.modules[0].maxRank, 4);
    const result = results.get('fc');
    assert.ok(result?.status === 'ok' && result.singularValues.length === 4);
  });
  await removeDir(sub);
});
