import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import type { BaseWeight } from '../../../src/core/base/baseModel';
import { indexBaseWeights, matchBaseWeight } from '../../../src/core/base/weightNames';
import type { TensorInfo } from '../../../src/core/safetensors/types';
import { compareAdapters } from '../../../src/core/subspace/compare';
import { baseModuleKey } from '../../../src/core/subspace/names';
import { gaussian } from '../../helpers/factors';
import { removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { diffusersFluxTensors, FLUX_DEV, fluxPairs, fluxTargets, kohyaFluxTensors } from '../../helpers/fluxFixtures';
import { assertSpectrum, withAnalysis } from '../../helpers/layoutCheck';
import { Rng } from '../../helpers/random';
import { materialize } from '../../helpers/referenceSvd';

/** FLUX.1 layouts (kohya, diffusers, XLabs, OneTrainer slices) written with their writers' key names. */

test('kohya FLUX.1 (lora_flux.py) at FLUX.1-dev shapes: modules, shapes, ranks, alpha/dim, family', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const r = 2;
  const pairs = fluxPairs(rng, fluxTargets(FLUX_DEV.hidden, FLUX_DEV.mlp, 1, 1), r);
  const path = await writeFixture(dir, 'flux_kohya.safetensors', kohyaFluxTensors(pairs, 1), { metadata: { ss_network_module: 'networks.lora_flux' } });
  const { adapter, file } = await openAdapter(path);
  try {
    assert.equal(adapter.format, 'kohya');
    assert.match(adapter.baseModel ?? '', /FLUX\.1/);
    assert.equal(adapter.modules.length, pairs.length);
    for (const { target } of pairs) {
      const m = adapter.modules.find((x) => x.name === `lora_unet_${target.path.replace(/\./g, '_')}`);
      assert.ok(m, target.path);
      assert.deepEqual(m.shape, [target.m, target.n]);
      assert.equal(m.rank, r);
      assert.equal(m.scale, 1 / r);
    }
    assert.deepEqual(adapter.modules.find((m) => m.name === 'lora_unet_single_blocks_0_linear1')?.shape, [3 * 3072 + 12288, 3072]);
  } finally {
    await file.close();
  }
  await removeDir(dir);
});

test('kohya FLUX.1 spectra equal the dense reference (same key names, hidden size scaled down)', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const r = 3;
  const pairs = fluxPairs(rng, fluxTargets(6, 24, 1, 1), r);
  const path = await writeFixture(dir, 'flux_small.safetensors', kohyaFluxTensors(pairs, 4, 'F64'));
  await withAnalysis(path, (_opened, results) => {
    for (const { target, up, down } of pairs) assertSpectrum(results, `lora_unet_${target.path.replace(/\./g, '_')}`, materialize(4 / r, up, down), rng);
  });
  await removeDir(dir);
});

test('a kohya FLUX.1 LoRA and its diffusers conversion line up module for module, fused weights slice by slice', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const r = 2;
  const [hidden, mlp] = [8, 32];
  const pairs = fluxPairs(rng, fluxTargets(hidden, mlp, 2, 2), r);
  const kohyaPath = await writeFixture(dir, 'kohya.safetensors', kohyaFluxTensors(pairs, 2, 'F64'));
  const diffusersPath = await writeFixture(dir, 'diffusers.safetensors', diffusersFluxTensors(pairs, 2 / r, hidden, mlp));
  const kohya = await openAdapter(kohyaPath);
  const diffusers = await openAdapter(diffusersPath);
  try {
    assert.equal(diffusers.adapter.format, 'diffusers');
    const result = await compareAdapters(kohya, diffusers);
    assert.deepEqual(result.unmatched, []);
    // 8 unfused + 2 qkv×3 per double block; 2 unfused + linear1×4 per single block.
    assert.equal(result.modules.length, 2 * (8 + 6) + 2 * (2 + 4));
    const byA = new Map(result.modules.map((c) => [c.name, c]));
    assert.equal(byA.get('lora_unet_double_blocks_1_img_mod_lin')?.nameB, 'transformer.transformer_blocks.1.norm1.linear');
    assert.equal(byA.get('lora_unet_double_blocks_0_txt_attn_qkv.2')?.nameB, 'transformer.transformer_blocks.0.attn.add_v_proj');
    assert.equal(byA.get('lora_unet_single_blocks_1_linear1.3')?.nameB, 'transformer.single_transformer_blocks.1.proj_mlp');
    assert.deepEqual(byA.get('lora_unet_single_blocks_1_linear1.3')?.shape, [mlp, hidden]);
    // The same update on both sides (alpha/r folded into the diffusers factors, as the converter does).
    for (const c of result.modules) {
      assert.ok(Math.abs((c.cosine as number) - 1) <= 1e-9, `${c.name}: cosine ${c.cosine} ${rng.tag}`);
      assert.ok((c.relativeDistance as number) <= 1e-6, `${c.name}: distance ${c.relativeDistance} ${rng.tag}`);
    }
  } finally {
    await kohya.file.close();
    await diffusers.file.close();
  }
  await removeDir(dir);
});

test('XLabs x-flux keys: modules named by the BFL weight, s = 1, single-block qkv marked as rows of linear1', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const [h, r] = [6, 2];
  // x-flux DoubleStreamBlockLoraProcessor / SingleStreamBlockLoraProcessor (LoRALinearLayer down [r, in], up [out, r]).
  const entries: [string, number, number][] = [
    ['double_blocks.0.processor.qkv_lora1', 3 * h, h],
    ['double_blocks.0.processor.proj_lora1', h, h],
    ['double_blocks.0.processor.qkv_lora2', 3 * h, h],
    ['double_blocks.0.processor.proj_lora2', h, h],
    ['single_blocks.1.processor.qkv_lora', 3 * h, h],
    ['single_blocks.1.processor.proj_lora', h, 5 * h],
  ];
  const pairs = entries.map(([name, m, n]) => ({ name, up: gaussian(rng, m, r), down: gaussian(rng, r, n) }));
  const path = await writeFixture(
    dir,
    'xlabs.safetensors',
    pairs.flatMap(({ name, up, down }) => [
      { name: `${name}.down.weight`, shape: [r, down.cols], values: down.data },
      { name: `${name}.up.weight`, shape: [up.rows, r], values: up.data },
    ]),
  );
  await withAnalysis(path, ({ adapter }, results) => {
    assert.equal(adapter.format, 'diffusers');
    assert.match(adapter.formatDetail, /XLabs/);
    assert.deepEqual(
      adapter.modules.map((m) => m.name),
      [
        'double_blocks.0.img_attn.proj',
        'double_blocks.0.img_attn.qkv',
        'double_blocks.0.txt_attn.proj',
        'double_blocks.0.txt_attn.qkv',
        'single_blocks.1.linear1.qkv',
        'single_blocks.1.linear2',
      ],
    );
    for (const m of adapter.modules) assert.equal(m.scale, 1);
    assert.match(adapter.modules.find((m) => m.name === 'single_blocks.1.linear1.qkv')?.warnings.join() ?? '', /q, k and v rows of linear1/);
    assertSpectrum(results, 'double_blocks.0.img_attn.qkv', materialize(1, pairs[0].up, pairs[0].down), rng);
    assert.equal(baseModuleKey('double_blocks.0.img_attn.qkv').path, baseModuleKey('lora_unet_double_blocks_0_img_attn_qkv').path);
  });
  await removeDir(dir);
});

test('OneTrainer slices of fused weights stay modules, grouped by the fused weight, and key like diffusers projections', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const [h, r] = [4, 2];
  // OneTrainer modules/util/convert/lora/convert_flux_lora.py (OMI keys): transformer.double_blocks.0.img_attn.qkv.{0,1,2}, single_blocks.0.linear1.{0..3}.
  const names = [0, 1, 2].map((i) => `transformer.double_blocks.0.img_attn.qkv.${i}`).concat([0, 1, 2, 3].map((i) => `transformer.single_blocks.0.linear1.${i}`));
  const tensors = names.flatMap((name, k) => {
    const m = k === 6 ? 4 * h : h;
    return [
      { name: `${name}.lora_down.weight`, shape: [r, h], values: gaussian(rng, r, h).data },
      { name: `${name}.lora_up.weight`, shape: [m, r], values: gaussian(rng, m, r).data },
      { name: `${name}.alpha`, shape: [], values: [r], dtype: 'F32' as const },
    ];
  });
  const path = await writeFixture(dir, 'onetrainer.safetensors', tensors);
  const { adapter, file } = await openAdapter(path);
  try {
    assert.equal(adapter.modules.length, 7);
    const q = adapter.modules.find((m) => m.name === 'transformer.double_blocks.0.img_attn.qkv.1');
    assert.deepEqual(q?.fusedSlice, { weight: 'transformer.double_blocks.0.img_attn.qkv', index: 1, part: 'k' });
    assert.equal(adapter.modules.find((m) => m.name === 'transformer.single_blocks.0.linear1.3')?.fusedSlice?.part, 'mlp');
    assert.ok(
      adapter.warnings.some((w) => /7 module\(s\) adapt slices of 2 fused weight/.test(w)),
      adapter.warnings.join('\n'),
    );
    assert.equal(baseModuleKey('transformer.double_blocks.0.img_attn.qkv.1').key, baseModuleKey('transformer.transformer_blocks.0.attn.to_k').key);
    assert.equal(baseModuleKey('transformer.single_blocks.0.linear1.3').key, baseModuleKey('transformer.single_transformer_blocks.0.proj_mlp').key);
  } finally {
    await file.close();
  }
  await removeDir(dir);
});

function weight(name: string, shape: readonly number[]): BaseWeight {
  const info = { name, dtype: 'F32', shape, elements: shape.reduce((a, b) => a * b, 1) } as unknown as TensorInfo;
  return { name, info, file: null as unknown as BaseWeight['file'] };
}

test('--base: kohya, BFL and diffusion_model. FLUX names find the BFL checkpoint weight', () => {
  const index = indexBaseWeights([
    weight('double_blocks.0.img_attn.qkv.weight', [24, 8]),
    weight('double_blocks.0.img_attn.proj.weight', [8, 8]),
    weight('single_blocks.0.linear1.weight', [56, 8]),
  ]);
  for (const name of [
    'lora_unet_double_blocks_0_img_attn_qkv',
    'diffusion_model.double_blocks.0.img_attn.qkv',
    'transformer.double_blocks.0.img_attn.qkv',
    'double_blocks.0.img_attn.qkv',
  ]) {
    const hit = matchBaseWeight({ name, shape: [24, 8] }, index, false);
    assert.ok('weight' in hit && hit.weight.name === 'double_blocks.0.img_attn.qkv.weight', `${name}: ${JSON.stringify('reason' in hit ? hit.reason : '')}`);
  }
  // A diffusers name finds the unfused BFL weight it stands for.
  const proj = matchBaseWeight({ name: 'transformer.transformer_blocks.0.attn.to_out.0', shape: [8, 8] }, index, false);
  assert.ok('weight' in proj && proj.weight.name === 'double_blocks.0.img_attn.proj.weight');
  // The same diffusers name against a diffusers-format base checkpoint.
  const diffusersIndex = indexBaseWeights([weight('transformer_blocks.0.attn.to_q.weight', [8, 8])]);
  const q = matchBaseWeight({ name: 'transformer.transformer_blocks.0.attn.to_q', shape: [8, 8] }, diffusersIndex, false);
  assert.ok('weight' in q);
});
