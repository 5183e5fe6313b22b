import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { analyzeAgainstBase, type BaseModuleResult } from '../../../src/core/base/analyzeBase';
import { BaseModel } from '../../../src/core/base/baseModel';
import { JsDenseEngine } from '../../../src/core/compute/dense';
import { indexBaseWeights, matchBaseWeight } from '../../../src/core/base/weightNames';
import { removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { ddMultiply, referenceSingularValues } from '../../helpers/referenceSvd';

/** Expert modules against bases that store a layer's experts stacked in one 3-D tensor. */

/** Expert e's [a, b] block of a stacked [E, a, b] row-major array, rows first … first + rows, transposed on request. */
function block(values: ArrayLike<number>, [, a, b]: number[], e: number, first: number, rows: number, transposed: boolean): Float64Array {
  const out = new Float64Array(rows * b);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < b; j++) {
      const v = Math.fround(values[(e * a + first + i) * b + j]);
      if (transposed) out[j * rows + i] = v;
      else out[i * b + j] = v;
    }
  return out;
}

test('expert modules find their block of mlx-lm switch_mlp and transformers fused gate_up_proj / down_proj tensors, read at their offsets', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const [E, H, I] = [4, 6, 5];
  // mlx-lm SwitchGLU (switch_layers.py): switch_mlp.<proj>.weight [E, out, in].
  const mlxShapes: Record<string, number[]> = { gate_proj: [E, I, H], up_proj: [E, I, H], down_proj: [E, H, I] };
  const mlx = Object.entries(mlxShapes).map(([p, shape]) => ({
    name: `model.layers.0.mlp.switch_mlp.${p}.weight`,
    shape,
    values: rng.gaussians(E * H * I),
    dtype: 'F32' as const,
  }));
  // transformers MixtralExperts / Qwen3MoeExperts: experts.gate_up_proj [E, 2I, H], experts.down_proj [E, H, I] (no .weight).
  const fused = [
    { name: 'model.layers.1.mlp.experts.gate_up_proj', shape: [E, 2 * I, H], values: rng.gaussians(E * 2 * I * H), dtype: 'F32' as const },
    { name: 'model.layers.1.mlp.experts.down_proj', shape: [E, H, I], values: rng.gaussians(E * H * I), dtype: 'F32' as const },
  ];
  // Llama 4 / gpt-oss store in×out: experts.down_proj [E, I, H], gate_up_proj [E, H, 2I].
  const inOut = [
    { name: 'model.layers.2.mlp.experts.down_proj', shape: [E, I, H], values: rng.gaussians(E * H * I), dtype: 'F32' as const },
    { name: 'model.layers.2.mlp.experts.gate_up_proj', shape: [E, H, 2 * I], values: rng.gaussians(E * 2 * I * H), dtype: 'F32' as const },
  ];
  const base = await BaseModel.open(await writeFixture(dir, 'model.safetensors', [...mlx, ...fused, ...inOut]));
  try {
    const index = indexBaseWeights(base.weights.values());
    const check = async (name: string, shape: [number, number], expected: Float64Array) => {
      const match = matchBaseWeight({ name, shape }, index, false);
      assert.ok(!('reason' in match), `${name}: ${'reason' in match ? match.reason : ''}`);
      const W = await base.readMatrix(match.weight, match.transposed);
      assert.deepEqual([W.rows, W.cols], shape, name);
      assert.deepEqual(Float64Array.from(W.values), expected, name);
    };
    for (const e of [0, 3]) {
      await check(`model.layers.0.mlp.experts.${e}.gate_proj`, [I, H], block(mlx[0].values, mlx[0].shape, e, 0, I, false));
      await check(`model.layers.0.mlp.experts.${e}.down_proj`, [H, I], block(mlx[2].values, mlx[2].shape, e, 0, H, false));
      await check(`model.layers.1.mlp.experts.${e}.gate_proj`, [I, H], block(fused[0].values, fused[0].shape, e, 0, I, false));
      await check(`model.layers.1.mlp.experts.${e}.up_proj`, [I, H], block(fused[0].values, fused[0].shape, e, I, I, false));
      await check(`model.layers.1.mlp.experts.${e}.down_proj`, [H, I], block(fused[1].values, fused[1].shape, e, 0, H, false));
      await check(`model.layers.2.mlp.experts.${e}.down_proj`, [H, I], block(inOut[0].values, inOut[0].shape, e, 0, I, true));
    }
    const columns = matchBaseWeight({ name: 'model.layers.2.mlp.experts.1.gate_proj', shape: [I, H] }, index, false);
    assert.ok('reason' in columns && /are columns/.test(columns.reason) && columns.kind === 'shape');
    const past = matchBaseWeight({ name: 'model.layers.1.mlp.experts.4.down_proj', shape: [H, I] }, index, false);
    assert.ok('reason' in past && /stacks 4 experts/.test(past.reason) && past.kind === 'shape');
  } finally {
    await base.close();
    await removeDir(dir);
  }
});

test('--base with stacked experts: an mlx-lm MoE adapter against switch_mlp and fused gate_up_proj bases gives the numbers of a per-expert base', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const [E, r, m, n] = [3, 2, 6, 5];
  // mlx-lm LoRASwitchLinear (tuner/lora.py): lora_a [E, r, in], lora_b [E, out, r].
  await writeFixture(dir, 'adapters.safetensors', [
    { name: 'model.layers.0.mlp.switch_mlp.up_proj.lora_a', shape: [E, r, n], values: rng.gaussians(E * r * n), dtype: 'F32' },
    { name: 'model.layers.0.mlp.switch_mlp.up_proj.lora_b', shape: [E, m, r], values: rng.gaussians(E * m * r), dtype: 'F32' },
  ]);
  const up = rng.gaussians(E * m * n);
  const gate = rng.gaussians(E * m * n);
  const gateUp = new Float64Array(E * 2 * m * n);
  for (let e = 0; e < E; e++) {
    gateUp.set(gate.subarray(e * m * n, (e + 1) * m * n), e * 2 * m * n);
    gateUp.set(up.subarray(e * m * n, (e + 1) * m * n), e * 2 * m * n + m * n);
  }
  const bases = {
    perExpert: [0, 1, 2].map((e) => ({
      name: `model.layers.0.mlp.experts.${e}.up_proj.weight`,
      shape: [m, n],
      values: up.subarray(e * m * n, (e + 1) * m * n),
      dtype: 'F32' as const,
    })),
    mlx: [{ name: 'model.layers.0.mlp.switch_mlp.up_proj.weight', shape: [E, m, n], values: up, dtype: 'F32' as const }],
    fused: [{ name: 'model.layers.0.mlp.experts.gate_up_proj', shape: [E, 2 * m, n], values: gateUp, dtype: 'F32' as const }],
  };
  const opened = await openAdapter(`${dir}/adapters.safetensors`);
  try {
    const results = new Map<string, readonly BaseModuleResult[]>();
    for (const [kind, tensors] of Object.entries(bases)) {
      const path = await writeFixture(dir, `${kind}.safetensors`, tensors);
      const base = await BaseModel.open(path);
      try {
        const seeded = new Rng(rng.seed + 1);
        results.set(kind, (await analyzeAgainstBase(opened, base, new JsDenseEngine(), { k: 2, gaussian: () => seeded.gaussian() })).modules);
      } finally {
        await base.close();
      }
    }
    const reference = results.get('perExpert') ?? [];
    assert.equal(reference.filter((x) => x.status === 'ok').length, E);
    for (const kind of ['mlx', 'fused']) {
      const got = results.get(kind) ?? [];
      for (let e = 0; e < E; e++) {
        const [want, have] = [reference[e], got[e]];
        assert.ok(want.status === 'ok' && have.status === 'ok', `${kind} ${e}: ${have.status === 'skipped' ? have.reason : ''}`);
        assert.deepEqual(have.baseValues, want.baseValues, `${kind} ${e}`);
        assert.deepEqual(have.alignment, want.alignment, `${kind} ${e}`);
        // W0's singular values against a double-double reference of expert e's dense block.
        const W0 = { rows: m, cols: n, data: Float64Array.from(up.subarray(e * m * n, (e + 1) * m * n), Math.fround) };
        const identity = { rows: n, cols: n, data: Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0)) };
        const sigma = referenceSingularValues(ddMultiply(W0, identity));
        for (let i = 0; i < 4; i++) assert.ok(Math.abs(have.baseValues[i] - sigma[i]) <= 1e-9 * sigma[0], `${kind} ${e} σ${i}: ${have.baseValues[i]} vs ${sigma[i]} ${rng.tag}`);
      }
    }
  } finally {
    await opened.file.close();
    await removeDir(dir);
  }
});
