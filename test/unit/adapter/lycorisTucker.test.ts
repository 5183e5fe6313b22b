import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { add, dd, mul, twoProd, type DD } from '../../helpers/doubleDouble';
import { gaussian } from '../../helpers/factors';
import { removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { join } from 'node:path';
import { ResizeError } from '../../../src/core/resize/errors';
import { resizeAdapter } from '../../../src/core/resize/resize';
import { assertSpectrum, withAnalysis } from '../../helpers/layoutCheck';
import { Rng } from '../../helpers/random';
import { ddMultiply, materialize, type DDMatrix, type Dense } from '../../helpers/referenceSvd';

/**
 * LyCORIS LoKr and LoHa with Tucker cores, and GLoRA's low-rank part, written with the key names
 * and shapes of KohakuBlueleaf/LyCORIS lycoris/modules/lokr.py, loha.py and glora.py, checked
 * against ΔW built densely here by the writer's own einsum and the double-double reference SVD.
 */

const TOLERANCE = 1e-10;

/** A core [r, r, …kernel] as its r·r blocks of K kernel values. */
interface Core {
  readonly r: number;
  readonly kernel: readonly number[];
  readonly data: Float64Array;
}

const kernelSize = (kernel: readonly number[]): number => kernel.reduce((a, b) => a * b, 1);

function core(rng: Rng, r: number, kernel: readonly number[]): Core {
  return { r, kernel, data: rng.gaussians(r * r * kernelSize(kernel)) };
}

/**
 * LyCORIS functional/general.py rebuild_tucker, einsum('i j …, i p, j r -> p r …', t, w_a, w_b),
 * for w_a [r, P] and w_b [r, Q], flattened to [P, Q·K] (kernel fastest, as a conv weight's
 * view(out, -1)); every product exact and every sum in double-double.
 */
function rebuildTucker(t: Core, wa: Dense, wb: Dense): DDMatrix {
  const K = kernelSize(t.kernel);
  const [P, Q] = [wa.cols, wb.cols];
  const data: DD[] = [];
  for (let p = 0; p < P; p++) {
    for (let q = 0; q < Q; q++) {
      for (let k = 0; k < K; k++) {
        let acc = dd(0);
        for (let i = 0; i < t.r; i++) {
          for (let j = 0; j < t.r; j++) acc = add(acc, mul(twoProd(t.data[(i * t.r + j) * K + k], wa.data[i * P + p]), dd(wb.data[j * Q + q])));
        }
        data.push(acc);
      }
    }
  }
  return { rows: P, cols: Q * K, data };
}

const scaleDD = (X: DDMatrix, s: number): DDMatrix => ({ rows: X.rows, cols: X.cols, data: X.data.map((x) => mul(x, dd(s))) });
const toDD = (X: Dense): DDMatrix => ({ rows: X.rows, cols: X.cols, data: Array.from(X.data, (x) => dd(x)) });
const hadamard = (X: DDMatrix, Y: DDMatrix): DDMatrix => ({ rows: X.rows, cols: X.cols, data: X.data.map((x, i) => mul(x, Y.data[i])) });

/** kron of two matrices (the flattened conv sides: ΔW's columns only reordered, its spectrum unchanged). */
function kron(X: DDMatrix, Y: DDMatrix): DDMatrix {
  const cols = X.cols * Y.cols;
  const data = new Array<DD>(X.rows * Y.rows * cols);
  for (let a = 0; a < X.rows; a++)
    for (let b = 0; b < X.cols; b++)
      for (let c = 0; c < Y.rows; c++) for (let d = 0; d < Y.cols; d++) data[(a * Y.rows + c) * cols + b * Y.cols + d] = mul(X.data[a * X.cols + b], Y.data[c * Y.cols + d]);
  return { rows: X.rows * Y.rows, cols, data };
}

test('LyCORIS LoKr with a Tucker core on w2 (conv): σ(kron(w1, rebuild_tucker(t2, w2_a, w2_b))) exactly', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const r = 2;
  const kernel = [3, 3];
  // lokr.py, conv with use_tucker and rank < max(out_k, in_n)/2: lokr_w1 [out_l, in_m],
  // lokr_t2 [dim, dim, kh, kw], lokr_w2_a [dim, out_k], lokr_w2_b [dim, in_n]; decompose_both
  // stores w1 as lokr_w1_a [out_l, dim] · lokr_w1_b [dim, in_m] instead.
  const conv = 'lora_unet_down_blocks_0_resnets_0_conv1';
  const both = 'lora_unet_up_blocks_1_resnets_2_conv2';
  const w1 = gaussian(rng, 2, 3);
  const [w1a, w1b] = [gaussian(rng, 4, r), gaussian(rng, r, 5)];
  const t2 = core(rng, r, kernel);
  const [w2a, w2b] = [gaussian(rng, r, 5), gaussian(rng, r, 4)];
  const u2 = core(rng, r, kernel);
  const [v2a, v2b] = [gaussian(rng, r, 6), gaussian(rng, r, 7)];
  const path = await writeFixture(dir, 'lokr_tucker.safetensors', [
    { name: `${conv}.alpha`, shape: [], values: [1] },
    { name: `${conv}.lokr_w1`, shape: [2, 3], values: w1.data },
    { name: `${conv}.lokr_t2`, shape: [r, r, ...kernel], values: t2.data },
    { name: `${conv}.lokr_w2_a`, shape: [r, 5], values: w2a.data },
    { name: `${conv}.lokr_w2_b`, shape: [r, 4], values: w2b.data },
    { name: `${both}.alpha`, shape: [], values: [3] },
    { name: `${both}.lokr_w1_a`, shape: [4, r], values: w1a.data },
    { name: `${both}.lokr_w1_b`, shape: [r, 5], values: w1b.data },
    { name: `${both}.lokr_t2`, shape: [r, r, ...kernel], values: u2.data },
    { name: `${both}.lokr_w2_a`, shape: [r, 6], values: v2a.data },
    { name: `${both}.lokr_w2_b`, shape: [r, 7], values: v2b.data },
  ]);
  await withAnalysis(path, ({ adapter }, results) => {
    assert.equal(adapter.format, 'lycoris');
    const m = adapter.modules.find((x) => x.name === conv);
    assert.equal(m?.factors?.type, 'kronecker');
    assert.deepEqual(m?.shape, [10, 3 * 4 * 9]);
    assert.deepEqual(m?.kernel, kernel);
    assert.equal(m?.kind, 'conv');
    assert.equal(m?.rank, r);
    assert.equal(m?.scale, 1 / r);
    assert.deepEqual(m?.warnings, []);
    assertSpectrum(results, conv, scaleDD(kron(toDD(w1), rebuildTucker(t2, w2a, w2b)), 1 / r), rng, TOLERANCE);
    assertSpectrum(results, both, scaleDD(kron(ddMultiply(w1a, w1b), rebuildTucker(u2, v2a, v2b)), 3 / r), rng, TOLERANCE);
  });
  await removeDir(dir);
});

test('a Tucker core on w1 (lokr_t1, named in lokr.py weight_list) is rebuilt the same way; the kernels multiply as torch.kron does', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const r = 2;
  const name = 'lora_unet_up_blocks_0_resnets_1_conv2';
  const t1 = core(rng, r, [1, 1]);
  const [w1a, w1b] = [gaussian(rng, r, 3), gaussian(rng, r, 2)];
  const w2 = gaussian(rng, 4, 5 * 9);
  const path = await writeFixture(dir, 'lokr_t1.safetensors', [
    { name: `${name}.alpha`, shape: [], values: [1] },
    { name: `${name}.lokr_t1`, shape: [r, r, 1, 1], values: t1.data },
    { name: `${name}.lokr_w1_a`, shape: [r, 3], values: w1a.data },
    { name: `${name}.lokr_w1_b`, shape: [r, 2], values: w1b.data },
    { name: `${name}.lokr_w2`, shape: [4, 5, 3, 3], values: w2.data },
  ]);
  await withAnalysis(path, ({ adapter }, results) => {
    const m = adapter.modules[0];
    assert.deepEqual(m.shape, [12, 2 * 5 * 9]);
    assert.deepEqual(m.kernel, [3, 3]);
    assertSpectrum(results, name, scaleDD(kron(rebuildTucker(t1, w1a, w1b), toDD(w2)), 1 / r), rng, TOLERANCE);
  });
  await removeDir(dir);
});

test('LyCORIS LoHa with Tucker cores (conv): σ(rebuild(t1) ⊙ rebuild(t2)·s) exactly', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const [r, out, inputs] = [2, 7, 3];
  const kernel = [3, 3];
  // loha.py with use_tucker on a conv: hada_t1/hada_t2 [dim, dim, kh, kw], hada_w*_a [dim, out],
  // hada_w*_b [dim, in]; get_weight passes (w1_b, w1_a) to functional/loha.py, whose half is
  // einsum('i j …, j r, i p -> p r …', t, w_b, w_a).
  const name = 'lora_unet_mid_block_resnets_0_conv1';
  const [t1, t2] = [core(rng, r, kernel), core(rng, r, kernel)];
  const [w1a, w1b, w2a, w2b] = [gaussian(rng, r, out), gaussian(rng, r, inputs), gaussian(rng, r, out), gaussian(rng, r, inputs)];
  const path = await writeFixture(dir, 'loha_tucker.safetensors', [
    { name: `${name}.alpha`, shape: [], values: [3] },
    { name: `${name}.hada_t1`, shape: [r, r, ...kernel], values: t1.data },
    { name: `${name}.hada_w1_a`, shape: [r, out], values: w1a.data },
    { name: `${name}.hada_w1_b`, shape: [r, inputs], values: w1b.data },
    { name: `${name}.hada_t2`, shape: [r, r, ...kernel], values: t2.data },
    { name: `${name}.hada_w2_a`, shape: [r, out], values: w2a.data },
    { name: `${name}.hada_w2_b`, shape: [r, inputs], values: w2b.data },
  ]);
  await withAnalysis(path, ({ adapter }, results) => {
    const m = adapter.modules[0];
    assert.equal(m.factors?.type, 'hadamard');
    assert.deepEqual(m.shape, [out, inputs * 9]);
    assert.deepEqual(m.kernel, kernel);
    assert.equal(m.maxRank, r * r);
    assert.equal(m.scale, 3 / r);
    assert.deepEqual(m.warnings, []);
    assertSpectrum(results, name, scaleDD(hadamard(rebuildTucker(t1, w1a, w1b), rebuildTucker(t2, w2a, w2b)), 3 / r), rng, TOLERANCE);
  });
  await removeDir(dir);
});

test('a Tucker core of the wrong shape leaves its module with a warning that names it; the rest of the file is analysed', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const r = 2;
  const [lokr, loha, good] = ['lora_unet_a_conv', 'lora_unet_b_conv', 'lora_unet_c_proj'];
  const path = await writeFixture(dir, 'bad_cores.safetensors', [
    { name: `${lokr}.lokr_w1`, shape: [2, 2], values: rng.gaussians(4) },
    { name: `${lokr}.lokr_t2`, shape: [r, 3, 3, 3], values: rng.gaussians(r * 27) },
    { name: `${lokr}.lokr_w2_a`, shape: [r, 5], values: rng.gaussians(r * 5) },
    { name: `${lokr}.lokr_w2_b`, shape: [r, 4], values: rng.gaussians(r * 4) },
    { name: `${loha}.hada_t1`, shape: [r, r, 3, 3], values: rng.gaussians(r * r * 9) },
    { name: `${loha}.hada_w1_a`, shape: [r, 4], values: rng.gaussians(r * 4) },
    { name: `${loha}.hada_w1_b`, shape: [r, 3], values: rng.gaussians(r * 3) },
    { name: `${loha}.hada_w2_a`, shape: [r, 4], values: rng.gaussians(r * 4) },
    { name: `${loha}.hada_w2_b`, shape: [r, 3], values: rng.gaussians(r * 3) },
    { name: `${good}.lora_down.weight`, shape: [r, 6], values: rng.gaussians(r * 6) },
    { name: `${good}.lora_up.weight`, shape: [5, r], values: rng.gaussians(5 * r) },
  ]);
  await withAnalysis(path, ({ adapter }, results) => {
    const byName = new Map(adapter.modules.map((m) => [m.name, m]));
    assert.equal(byName.get(lokr)?.factors, null);
    assert.match(byName.get(lokr)?.warnings.join(' ') ?? '', /Tucker core lora_unet_a_conv\.lokr_t2 is \[2,3,3,3\], which does not fit/);
    assert.equal(byName.get(loha)?.factors, null);
    assert.match(byName.get(loha)?.warnings.join(' ') ?? '', /hada_t1 is stored without hada_t2/);
    assert.equal(results.get(lokr)?.status, 'skipped');
    assert.equal(results.get(loha)?.status, 'skipped');
    assert.equal(results.get(good)?.status, 'ok');
  });
  await removeDir(dir);
});

/** GLoRA's low-rank part s·b1·b2 as LyCORIS glora.py make_weight forms it (tucker_weight_from_conv with bm). */
test('LyCORIS GLoRA: the low-rank part b1·b2 is analysed and labelled; the W·a1·a2 term is named as needing the base weight', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const [r, d, out] = [2, 6, 5];
  // glora.py: linear a1 = Linear(dim, in) [in, dim], a2 = Linear(in, dim) [dim, in],
  // b1 = Linear(dim, out) [out, dim], b2 = Linear(in, dim) [dim, in]; conv b2 = Conv(in, dim, k)
  // [dim, in, kh, kw], b1 = Conv(dim, out, 1) [out, dim, 1, 1]; with use_tucker b2 is 1×1 and
  // bm = Conv(dim, dim, k) [dim, dim, kh, kw].
  const linear = 'lora_unet_down_blocks_0_attentions_0_proj_in';
  const conv = 'lora_unet_down_blocks_0_resnets_0_conv1';
  const tucker = 'lora_unet_down_blocks_0_resnets_0_conv2';
  const [b1, b2] = [gaussian(rng, out, r), gaussian(rng, r, d)];
  const [c1, c2] = [gaussian(rng, out, r), gaussian(rng, r, d * 9)];
  const [e1, e2, bm] = [gaussian(rng, out, r), gaussian(rng, r, d), core(rng, r, [3, 3])];
  const aPart = (name: string, conv1x1: boolean) => [
    { name: `${name}.a1.weight`, shape: conv1x1 ? [d, r, 1, 1] : [d, r], values: rng.gaussians(d * r) },
    { name: `${name}.a2.weight`, shape: conv1x1 ? [r, d, 1, 1] : [r, d], values: rng.gaussians(r * d) },
  ];
  const path = await writeFixture(dir, 'glora.safetensors', [
    ...aPart(linear, false),
    { name: `${linear}.b1.weight`, shape: [out, r], values: b1.data },
    { name: `${linear}.b2.weight`, shape: [r, d], values: b2.data },
    { name: `${linear}.alpha`, shape: [], values: [1] },
    ...aPart(conv, true),
    { name: `${conv}.b1.weight`, shape: [out, r, 1, 1], values: c1.data },
    { name: `${conv}.b2.weight`, shape: [r, d, 3, 3], values: c2.data },
    { name: `${conv}.alpha`, shape: [], values: [4] },
    ...aPart(tucker, true),
    { name: `${tucker}.b1.weight`, shape: [out, r, 1, 1], values: e1.data },
    { name: `${tucker}.b2.weight`, shape: [r, d, 1, 1], values: e2.data },
    { name: `${tucker}.bm.weight`, shape: [r, r, 3, 3], values: bm.data },
    { name: `${tucker}.alpha`, shape: [], values: [r] },
  ]);
  await withAnalysis(path, ({ adapter }, results) => {
    assert.equal(adapter.analysable, true);
    assert.match(adapter.formatDetail, /^LyCORIS GLoRA \(3 GLoRA modules: the numbers are of the low-rank part b1·b2 only; the W·a1·a2 term needs the base weight\)$/);
    for (const m of adapter.modules) {
      assert.match(m.warnings[0], /low-rank part b1·b2 only; the W·a1·a2 term needs the base weight/);
      assert.equal(m.tensors['a1.weight'], `${m.name}.a1.weight`);
    }
    const byName = new Map(adapter.modules.map((m) => [m.name, m]));
    assert.equal(byName.get(linear)?.scale, 1 / r);
    assert.equal(byName.get(conv)?.scale, 4 / r);
    assert.deepEqual(byName.get(tucker)?.kernel, [3, 3]);
    assertSpectrum(results, linear, materialize(1 / r, b1, b2), rng, TOLERANCE);
    assertSpectrum(results, conv, materialize(4 / r, c1, c2), rng, TOLERANCE);
    // tucker_weight_from_conv: einsum('m n …, i m, n j -> i j …', bm, b1, b2) = b1·(bm contracted with b2).
    const transposed = (X: Dense): Dense => ({
      rows: X.cols,
      cols: X.rows,
      data: Float64Array.from({ length: X.data.length }, (_, k) => X.data[(k % X.rows) * X.cols + Math.floor(k / X.rows)]),
    });
    assertSpectrum(results, tucker, rebuildTucker(bm, transposed(e1), e2), rng, TOLERANCE);
  });
  await removeDir(dir);
});

test('a GLoRA file is not resized into a LoRA of its low-rank part: the W·a1·a2 term would be lost', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const [r, d] = [2, 6];
  // glora.py (linear): a1 [in, dim], a2 [dim, in], b1 [out, dim], b2 [dim, in].
  const name = 'lora_unet_down_blocks_0_attentions_0_proj_in';
  const input = await writeFixture(dir, 'glora.safetensors', [
    { name: `${name}.a1.weight`, shape: [d, r], values: rng.gaussians(d * r) },
    { name: `${name}.a2.weight`, shape: [r, d], values: rng.gaussians(r * d) },
    { name: `${name}.b1.weight`, shape: [d, r], values: rng.gaussians(d * r) },
    { name: `${name}.b2.weight`, shape: [r, d], values: rng.gaussians(r * d) },
    { name: `${name}.alpha`, shape: [], values: [1] },
  ]);
  await assert.rejects(
    resizeAdapter({ input, output: join(dir, 'out'), method: { kind: 'fixed', rank: 1 }, format: 'peft' }),
    (e: unknown) => e instanceof ResizeError && e.code === 'NO_MODULES' && /only part of ΔW \(the W·a1·a2 term of GLoRA/.test(e.message),
  );
  await removeDir(dir);
});
