import { strict as assert } from 'node:assert';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openAdapter, type OpenedAdapter } from '../../../src/core/adapter/load';
import { compareAdapters } from '../../../src/core/subspace/compare';
import { add, dd, mul, sqrt, sub, toNumber } from '../../helpers/doubleDouble';
import { gaussian, transposeDense } from '../../helpers/factors';
import { removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { materialize, type DDMatrix } from '../../helpers/referenceSvd';

/** Cosine and relative distance of two materialized ΔW, in double-double. */
function expected(W1: DDMatrix, W2: DDMatrix): { cosine: number; relativeDistance: number } {
  let [inner, s1, s2, diff] = [dd(0), dd(0), dd(0), dd(0)];
  for (let i = 0; i < W1.data.length; i++) {
    inner = add(inner, mul(W1.data[i], W2.data[i]));
    s1 = add(s1, mul(W1.data[i], W1.data[i]));
    s2 = add(s2, mul(W2.data[i], W2.data[i]));
    const d = sub(W1.data[i], W2.data[i]);
    diff = add(diff, mul(d, d));
  }
  const [n1, n2] = [toNumber(sqrt(s1)), toNumber(sqrt(s2))];
  return { cosine: toNumber(inner) / n1 / n2, relativeDistance: toNumber(sqrt(diff)) / n1 };
}

async function withOpened(paths: readonly string[], use: (opened: OpenedAdapter[]) => Promise<void>): Promise<void> {
  const opened: OpenedAdapter[] = [];
  try {
    for (const p of paths) opened.push(await openAdapter(p));
    await use(opened);
  } finally {
    for (const o of opened) await o.file.close();
  }
}

test('PEFT (with a MoSLoRA mixer) against mlx-lm (transposed factors, absolute scale): matched by base module, numbers match the reference', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const [m, n, r1, r2] = [10, 12, 3, 4];
  const peft = { B: gaussian(rng, m, r1), A: gaussian(rng, r1, n), M: gaussian(rng, r1, r1) };
  const nanA = gaussian(rng, r1, n);
  nanA.data[5] = NaN;
  // mlx stores lora_a = Aᵀ (n×r) and lora_b = Bᵀ (r×m); B shares a direction with PEFT's.
  const mlxB = gaussian(rng, m, r2);
  for (let i = 0; i < m; i++) mlxB.data[i * r2] += 3 * peft.B.data[i * r1];
  const mlx = { B: mlxB, A: gaussian(rng, r2, n) };
  const q = 'model.layers.0.self_attn.q_proj';
  const peftDir = join(dir, 'peft');
  const mlxDir = join(dir, 'mlx');
  await Promise.all([mkdir(peftDir), mkdir(mlxDir)]);
  const p = await writeFixture(
    peftDir,
    'adapter_model.safetensors',
    [
      { name: `base_model.model.${q}.lora_A.weight`, shape: [r1, n], values: peft.A.data },
      { name: `base_model.model.${q}.lora_B.weight`, shape: [m, r1], values: peft.B.data },
      { name: `base_model.model.${q}.lora_AB.weight`, shape: [r1, r1], values: peft.M.data },
      { name: 'base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight', shape: [r1, n], values: gaussian(rng, r1, n).data },
      { name: 'base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight', shape: [4, r1], values: gaussian(rng, 4, r1).data },
      { name: 'base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight', shape: [r1, n], values: gaussian(rng, r1, n).data },
      { name: 'base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight', shape: [m, r1], values: gaussian(rng, m, r1).data },
      { name: 'base_model.model.model.layers.2.self_attn.q_proj.lora_A.weight', shape: [r1, n], values: nanA.data },
      { name: 'base_model.model.model.layers.2.self_attn.q_proj.lora_B.weight', shape: [m, r1], values: gaussian(rng, m, r1).data },
    ],
    { config: { peft_type: 'LORA', r: r1, lora_alpha: 6 } },
  );
  const x = await writeFixture(
    mlxDir,
    'adapters.safetensors',
    [
      { name: `${q}.lora_a`, shape: [n, r2], values: transposeDense(mlx.A).data },
      { name: `${q}.lora_b`, shape: [r2, m], values: transposeDense(mlx.B).data },
      { name: 'model.layers.0.self_attn.v_proj.lora_a', shape: [n, r2], values: gaussian(rng, n, r2).data },
      { name: 'model.layers.0.self_attn.v_proj.lora_b', shape: [r2, 6], values: gaussian(rng, r2, 6).data },
      { name: 'model.layers.2.self_attn.q_proj.lora_a', shape: [n, r2], values: gaussian(rng, n, r2).data },
      { name: 'model.layers.2.self_attn.q_proj.lora_b', shape: [r2, m], values: gaussian(rng, r2, m).data },
    ],
    { config: { lora_parameters: { rank: r2, scale: 7.5 }, fine_tune_type: 'lora' } },
  );
  await withOpened([p, x], async ([a, b]) => {
    assert.equal(a.adapter.format, 'peft');
    assert.equal(b.adapter.format, 'mlx');
    const result = await compareAdapters(a, b, { grids: [q] });
    assert.deepEqual(
      result.modules.map((c) => c.name),
      [q],
    );
    const got = result.modules[0];
    const want = expected(materialize(6 / r1, peft.B, peft.A, peft.M), materialize(7.5, mlx.B, mlx.A));
    assert.ok(Math.abs((got.cosine as number) - want.cosine) <= 1e-12, `cosine ${got.cosine} vs ${want.cosine} ${rng.tag}`);
    assert.ok(Math.abs((got.relativeDistance as number) - want.relativeDistance) <= 1e-12 * want.relativeDistance, `distance ${rng.tag}`);
    assert.deepEqual(got.ranks, [r1, r2]);
    assert.equal(got.k, r1);
    assert.equal(got.grid?.column.rows, r1);
    assert.equal(got.grid?.column.cols, r2);
    assert.ok(got.column.cosines[0] > 0.5, `the shared direction shows: ${got.column.cosines[0]} ${rng.tag}`);
    const reasons = new Map(result.unmatched.map((u) => [u.name, u]));
    assert.match(reasons.get('model.layers.0.self_attn.v_proj')?.reason ?? '', /shapes differ: 4×12 in A, 6×12 in B/);
    assert.equal(reasons.get('model.layers.1.self_attn.q_proj')?.side, 'a');
    const nan = reasons.get('model.layers.2.self_attn.q_proj');
    assert.equal(nan?.side, 'both');
    assert.match(nan?.reason ?? '', /^A: .*NaN/);
    assert.equal(result.unmatched.length, 3);
  });
  await removeDir(dir);
});

test('kohya against diffusers on the same SD UNet and text encoder; LoHa is listed as not supported, not thrown', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const r = 2;
  const unet = 'down_blocks.0.attentions.0.transformer_blocks.0.attn2';
  const te = 'text_model.encoder.layers.0.self_attn.q_proj';
  const k = { q: { down: gaussian(rng, r, 8), up: gaussian(rng, 6, r) }, te: { down: gaussian(rng, r, 5), up: gaussian(rng, 5, r) } };
  const d = {
    q: { down: gaussian(rng, r, 8), up: gaussian(rng, 6, r) },
    te: { down: gaussian(rng, r, 5), up: gaussian(rng, 5, r) },
    k: { down: gaussian(rng, r, 8), up: gaussian(rng, 6, r) },
  };
  const kohyaName = (s: string) => s.replace(/\./g, '_');
  const kohya = await writeFixture(
    dir,
    'kohya_lora.safetensors',
    [
      { name: `lora_unet_${kohyaName(unet)}_to_q.lora_down.weight`, shape: [r, 8], values: k.q.down.data },
      { name: `lora_unet_${kohyaName(unet)}_to_q.lora_up.weight`, shape: [6, r], values: k.q.up.data },
      { name: `lora_unet_${kohyaName(unet)}_to_q.alpha`, shape: [], values: [1], dtype: 'F32' },
      { name: `lora_te_${kohyaName(te)}.lora_down.weight`, shape: [r, 5], values: k.te.down.data },
      { name: `lora_te_${kohyaName(te)}.lora_up.weight`, shape: [5, r], values: k.te.up.data },
      { name: `lora_unet_${kohyaName(unet)}_to_k.hada_w1_a`, shape: [6, r], values: gaussian(rng, 6, r).data },
      { name: `lora_unet_${kohyaName(unet)}_to_k.hada_w1_b`, shape: [r, 8], values: gaussian(rng, r, 8).data },
      { name: `lora_unet_${kohyaName(unet)}_to_k.hada_w2_a`, shape: [6, r], values: gaussian(rng, 6, r).data },
      { name: `lora_unet_${kohyaName(unet)}_to_k.hada_w2_b`, shape: [r, 8], values: gaussian(rng, r, 8).data },
    ],
    { metadata: { ss_network_module: 'lycoris.kohya', ss_network_dim: String(r) } },
  );
  const diffusers = await writeFixture(dir, 'pytorch_lora_weights.safetensors', [
    { name: `unet.${unet}.to_q.lora.down.weight`, shape: [r, 8], values: d.q.down.data },
    { name: `unet.${unet}.to_q.lora.up.weight`, shape: [6, r], values: d.q.up.data },
    { name: `unet.${unet}.to_k.lora.down.weight`, shape: [r, 8], values: d.k.down.data },
    { name: `unet.${unet}.to_k.lora.up.weight`, shape: [6, r], values: d.k.up.data },
    { name: `text_encoder.${te}.lora.down.weight`, shape: [r, 5], values: d.te.down.data },
    { name: `text_encoder.${te}.lora.up.weight`, shape: [5, r], values: d.te.up.data },
  ]);
  await withOpened([kohya, diffusers], async ([a, b]) => {
    assert.equal(b.adapter.format, 'diffusers');
    const result = await compareAdapters(a, b);
    const byName = new Map(result.modules.map((c) => [c.nameB, c]));
    const q = byName.get(`unet.${unet}.to_q`);
    assert.ok(q, JSON.stringify(result.unmatched));
    const wantQ = expected(materialize(0.5, k.q.up, k.q.down), materialize(1, d.q.up, d.q.down));
    assert.ok(Math.abs((q.cosine as number) - wantQ.cosine) <= 1e-12, `${q.cosine} vs ${wantQ.cosine} ${rng.tag}`);
    const t = byName.get(`text_encoder.${te}`);
    assert.ok(t);
    const wantT = expected(materialize(1, k.te.up, k.te.down), materialize(1, d.te.up, d.te.down));
    assert.ok(Math.abs((t.relativeDistance as number) - wantT.relativeDistance) <= 1e-12 * wantT.relativeDistance, rng.tag);
    assert.equal(result.unmatched.length, 1);
    assert.equal(result.unmatched[0].side, 'both');
    assert.match(result.unmatched[0].reason, /^A: LoHa factors: not supported for subspace comparison$/);
  });
  await removeDir(dir);
});
