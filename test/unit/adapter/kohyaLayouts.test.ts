import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { gaussian } from '../../helpers/factors';
import { removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { assertSpectrum, withAnalysis } from '../../helpers/layoutCheck';
import { Rng } from '../../helpers/random';
import { add, dd, mul, twoProd, type DD } from '../../helpers/doubleDouble';
import { ddMultiply, materialize, type DDMatrix, type Dense } from '../../helpers/referenceSvd';

/** kohya and LyCORIS layouts written as real files, checked against the reference. */

const scaleDD = (X: DDMatrix, s: number): DDMatrix => ({ rows: X.rows, cols: X.cols, data: X.data.map((x) => mul(x, dd(s))) });

function hadamard(X: DDMatrix, Y: DDMatrix): DDMatrix {
  return { rows: X.rows, cols: X.cols, data: X.data.map((x, i) => mul(x, Y.data[i])) };
}

function kron(X: DDMatrix, Y: DDMatrix): DDMatrix {
  const rows = X.rows * Y.rows;
  const cols = X.cols * Y.cols;
  const data: DD[] = new Array<DD>(rows * cols);
  for (let a = 0; a < X.rows; a++)
    for (let b = 0; b < X.cols; b++)
      for (let c = 0; c < Y.rows; c++) for (let d = 0; d < Y.cols; d++) data[(a * Y.rows + c) * cols + b * Y.cols + d] = mul(X.data[a * X.cols + b], Y.data[c * Y.cols + d]);
  return { rows, cols, data };
}

const toDD = (X: Dense): DDMatrix => ({ rows: X.rows, cols: X.cols, data: Array.from(X.data, (x) => dd(x)) });

test('kohya LoRA: alpha/dim, a missing or zero alpha meaning alpha = dim', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const r = 4;
  const f = (m: number, n: number) => ({ down: gaussian(rng, r, n), up: gaussian(rng, m, r) });
  const withAlpha = f(8, 6);
  const noAlpha = f(7, 5);
  const zeroAlpha = f(6, 6);
  const tensors = [
    ...(
      [
        ['lora_unet_a_proj', withAlpha, 2],
        ['lora_te1_b_proj', noAlpha, undefined],
        ['lora_te2_c_proj', zeroAlpha, 0],
      ] as const
    ).flatMap(([name, p, alpha]) => [
      { name: `${name}.lora_down.weight`, shape: [p.down.rows, p.down.cols], values: p.down.data },
      { name: `${name}.lora_up.weight`, shape: [p.up.rows, p.up.cols], values: p.up.data },
      ...(alpha === undefined ? [] : [{ name: `${name}.alpha`, shape: [], values: [alpha], dtype: 'F16' as const }]),
    ]),
  ];
  const path = await writeFixture(dir, 'my_lora.safetensors', tensors, { metadata: { ss_network_module: 'networks.lora', ss_network_dim: '4' } });
  await withAnalysis(path, ({ adapter }, results) => {
    assert.equal(adapter.format, 'kohya');
    assert.match(adapter.formatDetail, /^kohya LoRA \(kohya names, networks\.lora\)$/);
    const scale = (name: string) => adapter.modules.find((m) => m.name === name)?.scale;
    assert.equal(scale('lora_unet_a_proj'), 0.5);
    assert.equal(scale('lora_te1_b_proj'), 1);
    assert.equal(scale('lora_te2_c_proj'), 1);
    assert.equal(adapter.modules.find((m) => m.name === 'lora_unet_a_proj')?.tensors.alpha, 'lora_unet_a_proj.alpha');
    assertSpectrum(results, 'lora_unet_a_proj', materialize(0.5, withAlpha.up, withAlpha.down), rng);
    assertSpectrum(results, 'lora_te1_b_proj', materialize(1, noAlpha.up, noAlpha.down), rng);
  });
  await removeDir(dir);
});

test('LyCORIS LoCon with a Tucker core: ΔW[o,(i,h,w)] = Σ up[o,a]·mid[a,b,h,w]·down[b,i]', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const [r, out, inputs, k] = [3, 5, 4, 3];
  const up = gaussian(rng, out, r);
  const mid = gaussian(rng, r, r * k * k);
  const down = gaussian(rng, r, inputs);
  const path = await writeFixture(dir, 'locon.safetensors', [
    { name: 'lora_unet_conv.lora_up.weight', shape: [out, r, 1, 1], values: up.data },
    { name: 'lora_unet_conv.lora_mid.weight', shape: [r, r, k, k], values: mid.data },
    { name: 'lora_unet_conv.lora_down.weight', shape: [r, inputs, 1, 1], values: down.data },
    { name: 'lora_unet_conv.alpha', shape: [], values: [1.5], dtype: 'F32' },
  ]);
  // A_eff[a, (i,h,w)] = Σ_b mid[a,b,h,w]·down[b,i], exactly in double-double.
  const n = inputs * k * k;
  const aEff: DD[] = [];
  for (let a = 0; a < r; a++)
    for (let i = 0; i < inputs; i++)
      for (let hw = 0; hw < k * k; hw++) {
        let acc = dd(0);
        for (let b = 0; b < r; b++) acc = add(acc, twoProd(mid.data[(a * r + b) * k * k + hw], down.data[b * inputs + i]));
        aEff.push(acc);
      }
  const expected = scaleDD(ddMultiply(up, { rows: r, cols: n, data: aEff }), 1.5 / r);
  await withAnalysis(path, ({ adapter }, results) => {
    assert.equal(adapter.format, 'lycoris');
    const m = adapter.modules[0];
    assert.equal(m.kind, 'conv');
    assert.deepEqual(m.shape, [out, n]);
    assert.deepEqual(m.kernel, [k, k]);
    assertSpectrum(results, 'lora_unet_conv', expected, rng);
  });
  await removeDir(dir);
});

test('LyCORIS LoHa: (W1a·W1b) ⊙ (W2a·W2b) read exactly as a rank-r² product', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const [r, m, n] = [3, 10, 12];
  const h = { w1a: gaussian(rng, m, r), w1b: gaussian(rng, r, n), w2a: gaussian(rng, m, r), w2b: gaussian(rng, r, n) };
  const path = await writeFixture(dir, 'loha.safetensors', [
    { name: 'lora_unet_ff.hada_w1_a', shape: [m, r], values: h.w1a.data },
    { name: 'lora_unet_ff.hada_w1_b', shape: [r, n], values: h.w1b.data },
    { name: 'lora_unet_ff.hada_w2_a', shape: [m, r], values: h.w2a.data },
    { name: 'lora_unet_ff.hada_w2_b', shape: [r, n], values: h.w2b.data },
    { name: 'lora_unet_ff.alpha', shape: [], values: [6], dtype: 'F32' },
  ]);
  const expected = scaleDD(hadamard(ddMultiply(h.w1a, h.w1b), ddMultiply(h.w2a, h.w2b)), 6 / r);
  await withAnalysis(path, ({ adapter }, results) => {
    assert.equal(adapter.format, 'lycoris');
    assert.match(adapter.formatDetail, /LoHa/);
    assert.equal(adapter.modules[0].maxRank, r * r);
    assertSpectrum(results, 'lora_unet_ff', expected, rng);
  });
  await removeDir(dir);
});

test('LyCORIS LoKr: σ(kron(W1, W2)) from the sides; both sides full means s = 1', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const r = 2;
  const w1 = gaussian(rng, 3, 4);
  const w2a = gaussian(rng, 5, r);
  const w2b = gaussian(rng, r, 6);
  const fullW1 = gaussian(rng, 2, 3);
  const fullW2 = gaussian(rng, 4, 2);
  const path = await writeFixture(dir, 'lokr.safetensors', [
    { name: 'lora_unet_attn.lokr_w1', shape: [3, 4], values: w1.data },
    { name: 'lora_unet_attn.lokr_w2_a', shape: [5, r], values: w2a.data },
    { name: 'lora_unet_attn.lokr_w2_b', shape: [r, 6], values: w2b.data },
    { name: 'lora_unet_attn.alpha', shape: [], values: [3], dtype: 'F32' },
    { name: 'lora_unet_full.lokr_w1', shape: [2, 3], values: fullW1.data },
    { name: 'lora_unet_full.lokr_w2', shape: [4, 2], values: fullW2.data },
    { name: 'lora_unet_full.alpha', shape: [], values: [10000], dtype: 'F32' },
  ]);
  await withAnalysis(path, ({ adapter }, results) => {
    const attn = adapter.modules.find((m) => m.name === 'lora_unet_attn');
    const full = adapter.modules.find((m) => m.name === 'lora_unet_full');
    assert.deepEqual(attn?.shape, [15, 24]);
    assert.equal(attn?.scale, 3 / r);
    assert.equal(attn?.maxRank, 3 * r);
    assert.equal(full?.scale, 1);
    assertSpectrum(results, 'lora_unet_attn', scaleDD(kron(toDD(w1), ddMultiply(w2a, w2b)), 3 / r), rng);
    assertSpectrum(results, 'lora_unet_full', kron(toDD(fullW1), toDD(fullW2)), rng);
  });
  await removeDir(dir);
});
