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

test('PEFT VeRA with saved projections: ΔW = Λ_b·B[:out]·Λ_d·A analysed exactly per module', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  // src/peft/tuners/vera: vera_A [r, max_in], vera_B [max_out, r]; per module vera_lambda_b [out], vera_lambda_d [r].
  const [r, maxIn, maxOut] = [4, 9, 11];
  const A = gaussian(rng, r, maxIn);
  const B = gaussian(rng, maxOut, r);
  const outs = { q_proj: 7, up_proj: 11 };
  const lambdas = Object.fromEntries(Object.entries(outs).map(([k, out]) => [k, { b: rng.gaussians(out), d: rng.gaussians(r) }]));
  const path = await writeFixture(
    dir,
    'adapter_model.safetensors',
    [
      { name: 'base_model.vera_A', shape: [r, maxIn], values: A.data },
      { name: 'base_model.vera_B', shape: [maxOut, r], values: B.data },
      ...Object.entries(outs).flatMap(([k, out]) => [
        { name: `base_model.model.model.layers.0.x.${k}.vera_lambda_b`, shape: [out], values: lambdas[k].b },
        { name: `base_model.model.model.layers.0.x.${k}.vera_lambda_d`, shape: [r], values: lambdas[k].d },
      ]),
    ],
    { config: { peft_type: 'VERA', r, save_projection: true, target_modules: ['q_proj', 'up_proj'] } },
  );
  await withAnalysis(path, ({ adapter }, results) => {
    assert.equal(adapter.formatDetail, 'PEFT VeRA');
    assert.equal(adapter.analysable, true);
    assert.equal(adapter.otherTensors.length, 0);
    for (const [k, out] of Object.entries(outs)) {
      const name = `model.layers.0.x.${k}`;
      const Bs: Dense = { rows: out, cols: r, data: new Float64Array(out * r) };
      for (let i = 0; i < out; i++) for (let j = 0; j < r; j++) Bs.data[i * r + j] = lambdas[k].b[i] * B.data[i * r + j];
      const M: Dense = { rows: r, cols: r, data: new Float64Array(r * r) };
      for (let i = 0; i < r; i++) M.data[i * r + i] = lambdas[k].d[i];
      assertSpectrum(results, name, materialize(1, Bs, A, M), rng);
    }
  });
  await removeDir(dir);
});

test('PEFT IA3 and OFT files list every module with what its tensors mean, never "no adapter found"', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const kValues = Array.from(rng.gaussians(8));
  const ia3 = await writeFixture(
    dir,
    'adapter_model.safetensors',
    [
      { name: 'base_model.model.model.layers.0.self_attn.k_proj.ia3_l', shape: [8, 1], values: kValues },
      { name: 'base_model.model.model.layers.0.mlp.down_proj.ia3_l', shape: [1, 12], values: rng.gaussians(12) },
    ],
    { config: { peft_type: 'IA3', target_modules: ['k_proj', 'down_proj'], feedforward_modules: ['down_proj'] } },
  );
  await withAnalysis(ia3, ({ adapter }) => {
    assert.match(adapter.formatDetail, /PEFT \(IA\)³ .*2 modules listed/);
    const k = adapter.modules.find((m) => m.name.endsWith('k_proj'));
    const want = Math.sqrt(kValues.reduce((acc, v) => acc + (v - 1) ** 2, 0));
    const got = Number(/‖l − 1‖₂ = ([-\d.e+]+)/.exec(k?.warnings.join(' ') ?? '')?.[1]);
    assert.ok(Math.abs(got - want) <= 1e-3 * want, `‖l − 1‖ ${got} against ${want} ${rng.tag}`);
    assert.deepEqual(adapter.modules.map((m) => m.name).sort(), ['model.layers.0.mlp.down_proj', 'model.layers.0.self_attn.k_proj']);
    for (const m of adapter.modules) assert.match(m.warnings[0], /needs the base weight.*ia3_l \[/);
  });
  await removeDir(dir);
  const dir2 = await tempDir();
  const oft = await writeFixture(
    dir2,
    'adapter_model.safetensors',
    [{ name: 'base_model.model.model.layers.0.self_attn.q_proj.oft_R.weight', shape: [2, 6], values: rng.gaussians(12) }],
    {
      config: { peft_type: 'OFT', r: 2 },
    },
  );
  await withAnalysis(oft, ({ adapter }) => {
    assert.equal(adapter.modules[0].name, 'model.layers.0.self_attn.q_proj');
    assert.match(adapter.modules[0].warnings[0], /orthogonal rotation/);
  });
  await removeDir(dir2);
});

test('PEFT OFT: ‖R − I‖_F of the Cayley rotation, exact and as the Neumann series, against the closed form of 2×2 blocks', async () => {
  const rng = Rng.fresh();
  // src/peft/tuners/oft/layer.py: oft_R.weight [blocks, b(b−1)/2]; 2×2 blocks hold one q each, Q = [[0, q], [−q, 0]].
  const q = Array.from(rng.gaussians(3), (x) => 0.3 * x);
  // Exact Cayley: R is the rotation with cos = (1 − q²)/(1 + q²), so ‖R − I‖² = 8q²/(1 + q²).
  const exact = Math.sqrt(q.reduce((acc, x) => acc + (8 * x * x) / (1 + x * x), 0));
  // Five Neumann terms: R − I = (2 − 2q²)Q + (q⁴ − 2q²)I.
  const series = Math.sqrt(q.reduce((acc, x) => acc + 2 * (2 - 2 * x * x) ** 2 * x * x + 2 * (x ** 4 - 2 * x * x) ** 2, 0));
  for (const [neumann, want] of [
    [false, exact],
    [true, series],
  ] as const) {
    const dir = await tempDir();
    const path = await writeFixture(dir, 'adapter_model.safetensors', [{ name: 'base_model.model.model.layers.0.mlp.up_proj.oft_R.weight', shape: [3, 1], values: q }], {
      config: { peft_type: 'OFT', r: 3, oft_block_size: 2, use_cayley_neumann: neumann, num_cayley_neumann_terms: 5 },
    });
    await withAnalysis(path, ({ adapter }) => {
      const note = adapter.modules[0].warnings.join(' ');
      const got = Number(/‖R − I‖_F = ([-\d.e+]+)/.exec(note)?.[1]);
      assert.ok(Math.abs(got - want) <= 1e-3 * want, `${neumann ? 'Neumann' : 'exact'}: ${got} against ${want} ${rng.tag}`);
      assert.match(note, neumann ? /Neumann series of 5 terms/ : /exact Cayley/);
    });
    await removeDir(dir);
  }
});
