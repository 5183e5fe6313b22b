import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { corpusPath, removeDir, tempDir, writeFixture } from '../../../helpers/fixtures';
import { assertLoadsFully, dropReason, judged, peftPair, tensor } from './judgeHelpers';

/**
 * mlx-lm's load_adapters / linear_to_lora_layers on files laid out as mlx-lm's tuner saves them:
 * adapters.safetensors with `model.layers.N.<path>.lora_a` [in, r] and `.lora_b` [r, out]
 * (tuner/lora.py LoRALinear), `.m` for DoRA (tuner/dora.py), beside its adapter_config.json.
 */

const CONFIG = { fine_tune_type: 'lora', num_layers: 2, lora_parameters: { rank: 4, scale: 20, dropout: 0 } };

function mlxPair(module: string, inFeatures: number, r: number, out: number): ReturnType<typeof tensor>[] {
  return [tensor(`${module}.lora_a`, [inFeatures, r]), tensor(`${module}.lora_b`, [r, out])];
}

async function mlxFile(tensors: ReturnType<typeof tensor>[], config: unknown = CONFIG, name = 'adapters.safetensors'): Promise<{ dir: string; path: string }> {
  const dir = await tempDir();
  const path = await writeFixture(dir, name, tensors, { config });
  return { dir, path };
}

const layer = (n: number, path = 'self_attn.q_proj'): string => `model.layers.${n}.${path}`;

test('mlx: the corpus mlx-lm adapter (last 4 of Qwen2.5 0.5B’s 24 layers) loads fully; its training checkpoint is not the file load_adapters opens', async () => {
  const j = await judged('mlx', corpusPath('mlx-cli-adapters', 'adapters.safetensors'));
  assertLoadsFully(j);
  assert.equal(j.fit.fits, true);
  const ckpt = await judged('mlx', corpusPath('mlx-cli-adapters', '0000100_adapters.safetensors'));
  assert.match(ckpt.refused ?? '', /reads <folder>\/adapters\.safetensors; this file is named "0000100_adapters\.safetensors" \(a training checkpoint/);
});

test('mlx: only the last num_layers layers get LoRA layers; the rest are ignored', async () => {
  const tensors = [0, 1, 2, 3].flatMap((n) => mlxPair(layer(n), 16, 4, 16));
  const { dir, path } = await mlxFile(tensors);
  const j = await judged('mlx', path);
  assert.equal(j.refused, null);
  assert.deepEqual(
    [...j.loaded].sort(),
    [2, 3].flatMap((n) => [`${layer(n)}.lora_a`, `${layer(n)}.lora_b`]),
  );
  assert.match(dropReason(j, `${layer(0)}.lora_a`), /layer 0 is not among the last num_layers = 2 .*from layer 2 on/);
  await removeDir(dir);
  const all = await mlxFile(tensors, { ...CONFIG, num_layers: -1 });
  assertLoadsFully(await judged('mlx', all.path));
  await removeDir(all.dir);
});

test('mlx: with lora_parameters.keys only those paths load; a top-level module needs its own key', async () => {
  const tensors = [...mlxPair(layer(1), 16, 4, 16), ...mlxPair(layer(1, 'self_attn.v_proj'), 16, 4, 8), ...mlxPair('lm_head', 16, 4, 32)];
  const keyed = await mlxFile(tensors, { ...CONFIG, lora_parameters: { ...CONFIG.lora_parameters, keys: ['self_attn.q_proj', 'lm_head'] } });
  const j = await judged('mlx', keyed.path);
  assert.match(dropReason(j, `${layer(1, 'self_attn.v_proj')}.lora_b`), /"self_attn\.v_proj" is not in lora_parameters\.keys \(self_attn\.q_proj, lm_head\)/);
  assert.ok(j.loaded.includes('lm_head.lora_a'));
  assert.equal(j.loaded.length, 4);
  await removeDir(keyed.dir);
  const defaults = await mlxFile(tensors);
  const d = await judged('mlx', defaults.path);
  assert.match(dropReason(d, 'lm_head.lora_a'), /outside the model's layers and lora_parameters has no keys/);
  assert.equal(d.loaded.length, 4);
  await removeDir(defaults.dir);
});

test('mlx: the DoRA magnitude `.m` loads with fine_tune_type dora only; fine_tune_type full builds no LoRA layers', async () => {
  const tensors = [...mlxPair(layer(0), 16, 4, 16), tensor(`${layer(0)}.m`, [16])];
  const lora = await mlxFile(tensors, { ...CONFIG, num_layers: 1 });
  assert.match(dropReason(await judged('mlx', lora.path), `${layer(0)}.m`), /DoRA magnitude `\.m` but fine_tune_type is "lora"/);
  await removeDir(lora.dir);
  const dora = await mlxFile(tensors, { ...CONFIG, num_layers: 1, fine_tune_type: 'dora' });
  assertLoadsFully(await judged('mlx', dora.path));
  await removeDir(dora.dir);
  const full = await mlxFile(tensors, { fine_tune_type: 'full', num_layers: 1 });
  const f = await judged('mlx', full.path);
  assert.deepEqual(f.loaded, []);
  assert.match(dropReason(f, `${layer(0)}.lora_a`), /fine_tune_type is "full"/);
  await removeDir(full.dir);
});

test('mlx: factors in PEFT’s [r, in] / [out, r] orientation under mlx names refuse the file', async () => {
  const { dir, path } = await mlxFile([tensor(`${layer(0)}.lora_a`, [4, 16]), tensor(`${layer(0)}.lora_b`, [24, 4])], { ...CONFIG, num_layers: 1 });
  assert.match((await judged('mlx', path)).refused ?? '', /are not \[in, r\] \/ \[r, out\]/);
  await removeDir(dir);
});

test('mlx: a PEFT file must be converted; configs without num_layers or lora_parameters are refused', async () => {
  const peft = await judged('mlx', corpusPath('peft-qwen25-muzammel', 'adapter_model.safetensors'));
  assert.match(peft.refused ?? '', /this file is named "adapter_model\.safetensors" \(a PEFT LoRA.* must be converted to mlx-lm's names/);
  assert.equal(peft.fit.fits, false);
  assert.match(peft.fit.reason, /mlx-lm reads mlx files; this is a PEFT LoRA file, which would need converting first/);
  const dir = await tempDir();
  const renamed = await writeFixture(dir, 'adapters.safetensors', peftPair(layer(0), 4, 16, 16), {
    config: { peft_type: 'LORA', r: 4, lora_alpha: 8, target_modules: ['q_proj'] },
  });
  assert.match((await judged('mlx', renamed)).refused ?? '', /no integer num_layers, .*must be converted/);
  await removeDir(dir);
  const noParams = await mlxFile(mlxPair(layer(0), 16, 4, 16), { fine_tune_type: 'lora', num_layers: 1, lora_parameters: { rank: 4 } });
  assert.match((await judged('mlx', noParams.path)).refused ?? '', /lacks lora_parameters\.scale, lora_parameters\.dropout/);
  await removeDir(noParams.dir);
});
