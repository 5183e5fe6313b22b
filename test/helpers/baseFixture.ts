import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { plantedBase } from '../unit/base/baseFixtures';
import { writeFixture, type FixtureTensor } from './fixtures';
import type { Rng } from './random';

/**
 * A small Llama-like base model and a PEFT adapter on it, generated for the base-model tests of
 * the worker and the panel. Six layers of q_proj (48×32) and v_proj (24×32), r = 4; the adapter's
 * B and A lean towards W0's top singular vectors more in early layers than in late ones, so
 * alignment falls with depth. Two modules cannot be analysed, with different reasons: layer 5's
 * v_proj has a base weight of the wrong shape, and layer 0's mlp.down_proj has none at all.
 * Layer 2's q_proj has a flat spectrum (undetermined intruders). The base is split into two shards behind `model.safetensors.index.json`.
 */
export interface BaseFixture {
  readonly adapter: string;
  /** The base model's folder. */
  readonly base: string;
  /** The second shard (delete it for MISSING_SHARD). */
  readonly secondShard: string;
  readonly layers: number;
}

const SHAPES = { q_proj: [48, 32], v_proj: [24, 32] } as const;
const R = 4;
export const BASE_FIXTURE_LAYERS = 6;

/** `adapterName`: the weights file's name (default `adapter_model.safetensors`), unique in a workspace for Quick Open. */
export async function writeBaseFixture(dir: string, rng: Rng, adapterName = 'adapter_model.safetensors'): Promise<BaseFixture> {
  const baseDir = join(dir, 'base');
  const adapterDir = join(dir, 'adapter');
  await Promise.all([mkdir(baseDir), mkdir(adapterDir)]);
  const shards: FixtureTensor[][] = [[], []];
  const adapter: FixtureTensor[] = [];
  for (let l = 0; l < BASE_FIXTURE_LAYERS; l++) {
    for (const [type, [m, n]] of Object.entries(SHAPES)) {
      const weight = `model.layers.${l}.self_attn.${type}.weight`;
      // Layer 2's q_proj has a flat top spectrum: its singular vectors are not resolved, which
      // leaves intruder verdicts undetermined there.
      const flat = l === 2 && type === 'q_proj';
      const planted = plantedBase(rng, m, n, (i) => (flat ? 5 - 1e-3 * i : 10 * Math.exp(-i / 3) + 0.5));
      const shard = shards[l < BASE_FIXTURE_LAYERS / 2 ? 0 : 1];
      if (l === BASE_FIXTURE_LAYERS - 1 && type === 'v_proj') shard.push({ name: weight, shape: [n, n], values: rng.gaussians(n * n), dtype: 'F32' });
      else shard.push({ name: weight, shape: [m, n], values: planted.W0.values, dtype: 'F32' });
      // Weight of W0's top directions in B and A: 0.9 at layer 0 down to 0.1 at the last.
      const lean = 0.9 - (0.8 * l) / (BASE_FIXTURE_LAYERS - 1);
      const B = new Float64Array(m * R);
      const A = new Float64Array(R * n);
      for (let j = 0; j < R; j++) {
        for (let i = 0; i < m; i++) B[i * R + j] = lean * planted.U0.data[j * m + i] + ((1 - lean) * rng.gaussian()) / Math.sqrt(m);
        for (let i = 0; i < n; i++) A[j * n + i] = lean * planted.V0.data[j * n + i] + ((1 - lean) * rng.gaussian()) / Math.sqrt(n);
      }
      const prefix = `base_model.model.model.layers.${l}.self_attn.${type}`;
      adapter.push({ name: `${prefix}.lora_A.weight`, shape: [R, n], values: A, dtype: 'F32' });
      adapter.push({ name: `${prefix}.lora_B.weight`, shape: [m, R], values: B.map((b) => b * (1 + l)), dtype: 'F32' });
    }
  }
  adapter.push({ name: 'base_model.model.model.layers.0.mlp.down_proj.lora_A.weight', shape: [R, 16], values: rng.gaussians(R * 16), dtype: 'F32' });
  adapter.push({ name: 'base_model.model.model.layers.0.mlp.down_proj.lora_B.weight', shape: [32, R], values: rng.gaussians(32 * R), dtype: 'F32' });
  const shardPaths = await writeTwoShards(baseDir, shards);
  const adapterFile = await writeFixture(adapterDir, adapterName, adapter, {
    config: { peft_type: 'LORA', r: R, lora_alpha: 8, target_modules: ['q_proj', 'v_proj', 'down_proj'] },
  });
  return { adapter: adapterFile, base: baseDir, secondShard: shardPaths[1], layers: BASE_FIXTURE_LAYERS };
}

/** Writes `shards` as a two-file sharded model behind `model.safetensors.index.json` (transformers' names); returns the shard paths. */
export async function writeTwoShards(baseDir: string, shards: readonly (readonly FixtureTensor[])[]): Promise<string[]> {
  const names = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
  const map: Record<string, string> = {};
  for (const [i, tensors] of shards.entries()) {
    await writeFixture(baseDir, names[i], tensors);
    for (const t of tensors) map[t.name] = names[i];
  }
  await writeFile(join(baseDir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: map }));
  return names.map((n) => join(baseDir, n));
}
