import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeFloat32 } from '../../../src/core/safetensors/encode';
import { encodeSafetensors } from '../../../src/core/safetensors/writer';
import { gaussian } from '../../helpers/factors';
import { removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { assertSpectrum, withAnalysis } from '../../helpers/layoutCheck';
import { Rng } from '../../helpers/random';
import { materialize, type Dense } from '../../helpers/referenceSvd';

/** Mixture-of-experts and quantized LLM layouts written as their writers write them. */

test('PEFT target_parameters on a 3-D expert parameter: one module per expert, ΔW_e as ParamWrapper.get_delta_weight forms it', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  // Qwen3-MoE's fused experts (mlp.experts.down_proj [E, in, out] in transformers' fused layout), scaled down.
  const [E, r, n, m, alpha] = [4, 2, 7, 5, 6];
  const A = gaussian(rng, E * r, n);
  const B = gaussian(rng, m, r * E);
  const path = await writeFixture(
    dir,
    'adapter_model.safetensors',
    [
      // PEFT src/peft/tuners/lora/layer.py ParamWrapper: nn.Linear(in, r·E) and nn.Linear(r·E, out).
      { name: 'base_model.model.model.layers.0.mlp.experts.lora_A.weight', shape: [E * r, n], values: A.data },
      { name: 'base_model.model.model.layers.0.mlp.experts.lora_B.weight', shape: [m, r * E], values: B.data },
    ],
    { config: { peft_type: 'LORA', r, lora_alpha: alpha, target_modules: [], target_parameters: ['mlp.experts.down_proj'], base_model_name_or_path: 'Qwen/Qwen3-30B-A3B' } },
  );
  await withAnalysis(path, ({ adapter }, results) => {
    assert.deepEqual(
      adapter.modules.map((x) => x.name),
      Array.from({ length: E }, (_, e) => `model.layers.0.mlp.experts.${e}.down_proj`),
    );
    for (let e = 0; e < E; e++) {
      const x = adapter.modules[e];
      assert.deepEqual([x.shape, x.rank, x.expert, x.scale], [[m, n], r, e, alpha / r]);
      // The reference reads the factors as get_delta_weight reshapes them: A as [E, r, in], B as [out, r, E].
      const Ae: Dense = { rows: r, cols: n, data: new Float64Array(r * n) };
      const Be: Dense = { rows: m, cols: r, data: new Float64Array(m * r) };
      for (let k = 0; k < r; k++) for (let i = 0; i < n; i++) Ae.data[k * n + i] = A.data[(e * r + k) * n + i];
      for (let o = 0; o < m; o++) for (let k = 0; k < r; k++) Be.data[o * r + k] = B.data[o * r * E + k * E + e];
      assertSpectrum(results, x.name, materialize(alpha / r, Be, Ae), rng);
    }
  });
  await removeDir(dir);
});

test('PEFT target_parameters on a 2-D parameter is one plain B·A module named by its parameter', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const [r, n, m] = [3, 6, 4];
  const f = { A: gaussian(rng, r, n), B: gaussian(rng, m, r) };
  const path = await writeFixture(
    dir,
    'adapter_model.safetensors',
    [
      { name: 'base_model.model.model.layers.1.mlp.router.lora_A.weight', shape: [r, n], values: f.A.data },
      { name: 'base_model.model.model.layers.1.mlp.router.lora_B.weight', shape: [m, r], values: f.B.data },
    ],
    { config: { peft_type: 'LORA', r, lora_alpha: 3, target_parameters: ['router.weight'] } },
  );
  await withAnalysis(path, ({ adapter }, results) => {
    assert.deepEqual(
      adapter.modules.map((x) => x.name),
      ['model.layers.1.mlp.router.weight'],
    );
    assertSpectrum(results, 'model.layers.1.mlp.router.weight', materialize(1, f.B, f.A), rng);
  });
  await removeDir(dir);
});

/** Packs codes (row-major rows×cols, each < 2^bits) into uint32 words as one LSB-first bit stream per row. */
function pack(codes: readonly number[], rows: number, cols: number, bits: number): Uint8Array {
  const rowBytes = (cols * bits) / 8;
  const out = new Uint8Array(rows * rowBytes);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      for (let b = 0; b < bits; b++) {
        if (((codes[i * cols + j] >> b) & 1) === 0) continue;
        const bit = j * bits + b;
        out[i * rowBytes + (bit >> 3)] |= 1 << (bit & 7);
      }
    }
  }
  return out;
}

/** A quantized matrix as mx.quantize would store it: codes, scales, biases, and its dequantized values. */
function quantized(rng: Rng, rows: number, cols: number, bits: number, groupSize: number) {
  const codes = Array.from({ length: rows * cols }, () => rng.int(0, 2 ** bits - 1));
  const groups = cols / groupSize;
  const scales = Float64Array.from({ length: rows * groups }, () => Math.fround(rng.uniform(0.01, 0.2)));
  const biases = Float64Array.from({ length: rows * groups }, () => Math.fround(rng.uniform(-0.5, 0.5)));
  const values = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) values[i * cols + j] = scales[i * groups + Math.floor(j / groupSize)] * codes[i * cols + j] + biases[i * groups + Math.floor(j / groupSize)];
  return { packed: pack(codes, rows, cols, bits), scales, biases, values };
}

const crop = (values: Float64Array, cols: number, rows: number, keep: number): Dense => {
  const data = new Float64Array(rows * keep);
  for (let i = 0; i < rows; i++) for (let j = 0; j < keep; j++) data[i * keep + j] = values[i * cols + j];
  return { rows, cols: keep, data };
};

for (const bits of [8, 4, 3]) {
  test(`mlx-lm quantized LoRA (${bits}-bit affine): factors dequantized as mx.dequantize does, padding cut`, async () => {
    const rng = Rng.fresh();
    const dir = await tempDir();
    // mlx_lm/tuner/lora.py QuantizedLoRALinear.from_lora: lora_a = quantize(pad(lora_aᵀ)) [r, padded_in], lora_b = quantize(pad(lora_bᵀ)) [out, padded_rank].
    const [r, n, m, groupSize, rankGroup] = [3, 40, 6, 32, 32];
    const [paddedIn, paddedRank] = [64, 32];
    const a = quantized(rng, r, paddedIn, bits, groupSize);
    const b = quantized(rng, m, paddedRank, bits, rankGroup);
    const name = 'model.layers.0.self_attn.q_proj';
    const f32 = (name: string, shape: number[], values: Float64Array) => ({ name, dtype: 'F32' as const, shape, data: encodeFloat32(values) });
    const bytes = encodeSafetensors([
      { name: `${name}.lora_a`, dtype: 'U32', shape: [r, (paddedIn * bits) / 32], data: a.packed },
      f32(`${name}.lora_a_scales`, [r, paddedIn / groupSize], a.scales),
      f32(`${name}.lora_a_biases`, [r, paddedIn / groupSize], a.biases),
      { name: `${name}.lora_b`, dtype: 'U32', shape: [m, (paddedRank * bits) / 32], data: b.packed },
      f32(`${name}.lora_b_scales`, [m, paddedRank / rankGroup], b.scales),
      f32(`${name}.lora_b_biases`, [m, paddedRank / rankGroup], b.biases),
    ]);
    await writeFile(join(dir, 'adapters.safetensors'), bytes);
    const layer = { bits, input_dims: n, output_dims: m, rank: r, padded_input_dims: paddedIn, padded_rank: paddedRank };
    const config = {
      fine_tune_type: 'lora',
      num_layers: 1,
      lora_parameters: { rank: r, scale: 10.0 },
      adapter_quantization: { format: 'mlx-lm-quantized-lora', version: 1, group_size: groupSize, rank_group_size: rankGroup, mode: 'affine', layers: { [name]: layer } },
    };
    await writeFile(join(dir, 'adapter_config.json'), JSON.stringify(config));
    await withAnalysis(join(dir, 'adapters.safetensors'), ({ adapter }, results) => {
      assert.match(adapter.formatDetail, /quantized factors/);
      assert.equal(adapter.otherTensors.length, 0);
      assert.deepEqual([adapter.modules[0].shape, adapter.modules[0].rank, adapter.modules[0].scale], [[m, n], r, 10]);
      assertSpectrum(results, name, materialize(10, crop(b.values, paddedRank, m, r), crop(a.values, paddedIn, r, n)), rng, 1e-11);
    });
    await writeFile(join(dir, 'adapter_config.json'), JSON.stringify({ ...config, adapter_quantization: undefined }));
    await withAnalysis(join(dir, 'adapters.safetensors'), ({ adapter }) => {
      assert.equal(adapter.modules[0].factors, null);
      assert.match(adapter.modules[0].warnings.join(' '), /no adapter_quantization entry/);
    });
    await removeDir(dir);
  });
}

test('mlx-lm DoRA: the magnitude `.m` is reported beside the transposed low-rank pair', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const [r, n, m] = [2, 7, 5];
  const f = { a: gaussian(rng, n, r), b: gaussian(rng, r, m) };
  // mlx_lm/tuner/dora.py DoRALinear: lora_a [in, r], lora_b [r, out], m [out].
  const path = await writeFixture(
    dir,
    'adapters.safetensors',
    [
      { name: 'model.layers.0.self_attn.v_proj.lora_a', shape: [n, r], values: f.a.data },
      { name: 'model.layers.0.self_attn.v_proj.lora_b', shape: [r, m], values: f.b.data },
      { name: 'model.layers.0.self_attn.v_proj.m', shape: [m], values: rng.gaussians(m) },
    ],
    { config: { fine_tune_type: 'dora', num_layers: 1, lora_parameters: { rank: r, scale: 4.0 } } },
  );
  await withAnalysis(path, ({ adapter }, results) => {
    assert.match(adapter.formatDetail, /^mlx-lm DoRA/);
    assert.equal(adapter.modules[0].magnitude, 'model.layers.0.self_attn.v_proj.m');
    const B: Dense = { rows: m, cols: r, data: new Float64Array(m * r) };
    const A: Dense = { rows: r, cols: n, data: new Float64Array(r * n) };
    for (let i = 0; i < m; i++) for (let k = 0; k < r; k++) B.data[i * r + k] = f.b.data[k * m + i];
    for (let k = 0; k < r; k++) for (let j = 0; j < n; j++) A.data[k * n + j] = f.a.data[j * r + k];
    assertSpectrum(results, 'model.layers.0.self_attn.v_proj', materialize(4, B, A), rng);
  });
  await removeDir(dir);
});

test('a bare target_parameters entry takes only stacked experts; a target_modules pair beside it keeps its name', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const [E, r, n, m] = [2, 2, 5, 4];
  const q = { A: gaussian(rng, r, n), B: gaussian(rng, m, r) };
  const path = await writeFixture(
    dir,
    'adapter_model.safetensors',
    [
      { name: 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight', shape: [r, n], values: q.A.data },
      { name: 'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight', shape: [m, r], values: q.B.data },
      { name: 'base_model.model.model.layers.0.mlp.experts.lora_A.weight', shape: [E * r, n], values: rng.gaussians(E * r * n) },
      { name: 'base_model.model.model.layers.0.mlp.experts.lora_B.weight', shape: [m, r * E], values: rng.gaussians(m * r * E) },
    ],
    { config: { peft_type: 'LORA', r, lora_alpha: r, target_modules: ['q_proj'], target_parameters: ['down_proj'] } },
  );
  await withAnalysis(path, ({ adapter }, results) => {
    assert.deepEqual(adapter.modules.map((x) => x.name).sort(), [
      'model.layers.0.mlp.experts.0.down_proj',
      'model.layers.0.mlp.experts.1.down_proj',
      'model.layers.0.self_attn.q_proj',
    ]);
    assertSpectrum(results, 'model.layers.0.self_attn.q_proj', materialize(1, q.B, q.A), rng);
  });
  await removeDir(dir);
});
