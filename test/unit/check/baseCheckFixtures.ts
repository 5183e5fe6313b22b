import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Matrix } from '../../../src/core/linalg/matrix';
import { writeTwoShards } from '../../helpers/baseFixture';
import { writeFixture, type FixtureTensor } from '../../helpers/fixtures';
import type { Rng } from '../../helpers/random';
import { plantedBase, rowMajor, type PlantedBase } from '../base/baseFixtures';
import { columns, orthonormal } from '../subspace/plantedModules';

/**
 * A Llama-shaped base (transformers' names: `model.layers.L.self_attn.q_proj.weight`, out×in)
 * and a PEFT adapter on its q_proj modules (peft save_pretrained names:
 * `base_model.model.model.layers.L.self_attn.q_proj.lora_A.weight` [r, in] and `lora_B.weight`
 * [out, r]; lora_alpha = r, so the scale is 1 and ΔW = B·A). Each layer's ΔW = X·diag(σΔ)·Yᵀ is
 * planted against its W0 = U0·diag(σ0)·V0ᵀ:
 * - `random`: X, Y random orthonormal, σΔ small: a healthy update (no finding);
 * - `large`: X, Y = W0's top 3 singular vectors, σΔ = 30, 20, 10 above σ0_1 = 11.5: ‖ΔW‖₂/‖W0‖₂
 *   = 30/11.5, no intruder (W0 + ΔW keeps W0's vectors), amplification ≈ 2.2 (not an outlier);
 * - `intruders`: W0's singular vectors 20…22 (outside its top K = 20), σΔ = 4.5, 4, 3.5: these
 *   rank among the top 10 of W0 + ΔW, so 3 intruders; amplification ≈ 2.5 (not an outlier);
 * - `amplified`: W0's near-null vectors 29…31 (σ0 = 3e-3 … 1e-3), σΔ = 1, 0.8, 0.6: amplification
 *   ≈ 380, far past the others (random peers sit near 1–2), while ΔW is small (no intruder, ratio 0.09).
 * The base is split in two shards behind `model.safetensors.index.json`, as transformers saves it.
 */
export type Plant = 'random' | 'large' | 'intruders' | 'amplified';

export const M = 48;
export const N = 32;
export const R = 3;

/** σ0_i: a decay with a floor, and four near-null values (4e-3 … 1e-3) at the end. */
export function baseSigma(i: number): number {
  return i < 28 ? 10 * 0.8 ** i + 1.5 : 1e-3 * (N - i);
}

const SIGMA_DELTA: Record<Plant, readonly number[]> = { random: [1, 0.8, 0.6], large: [30, 20, 10], intruders: [4.5, 4, 3.5], amplified: [1, 0.8, 0.6] };
const FIRST_DIRECTION: Record<Exclude<Plant, 'random'>, number> = { large: 0, intruders: 20, amplified: 29 };

export interface PlantedLayer {
  readonly module: string;
  readonly base: PlantedBase;
  /** ΔW's factors as planted: X (m×r), Y (n×r) orthonormal, σΔ. */
  readonly X: Matrix;
  readonly Y: Matrix;
  readonly sigma: readonly number[];
}

export interface BaseCheckFixture {
  readonly adapter: string;
  readonly base: string;
  readonly layers: readonly PlantedLayer[];
}

export interface FixtureOptions {
  /** Layers whose base weight is written (n+4)×n instead of m×n. */
  readonly wrongShape?: readonly number[];
  /** Layers whose base weight is left out. */
  readonly missing?: readonly number[];
}

export function adapterModule(layer: number): string {
  return `base_model.model.model.layers.${layer}.self_attn.q_proj`;
}

/** Writes `<dir>/adapter/` and `<dir>/base/`, one layer per plant. */
export async function writeBaseCheckFixture(dir: string, rng: Rng, plants: readonly Plant[], options: FixtureOptions = {}): Promise<BaseCheckFixture> {
  const adapterDir = join(dir, 'adapter');
  const baseDir = join(dir, 'base');
  await Promise.all([mkdir(adapterDir, { recursive: true }), mkdir(baseDir, { recursive: true })]);
  const adapter: FixtureTensor[] = [];
  const shards: FixtureTensor[][] = [[], []];
  const layers: PlantedLayer[] = [];
  plants.forEach((plant, l) => {
    const base = plantedBase(rng, M, N, baseSigma);
    const first = plant === 'random' ? -1 : FIRST_DIRECTION[plant];
    const X = first < 0 ? orthonormal(rng, M, R) : columns(base.U0, first, first + R);
    const Y = first < 0 ? orthonormal(rng, N, R) : columns(base.V0, first, first + R);
    const sigma = SIGMA_DELTA[plant];
    const B = rowMajor({ rows: M, cols: R, data: X.data.map((x, i) => x * sigma[Math.floor(i / M)]) });
    const A = rowMajor({ rows: R, cols: N, data: transposed(Y) });
    const module = adapterModule(l);
    adapter.push({ name: `${module}.lora_A.weight`, shape: [R, N], values: A });
    adapter.push({ name: `${module}.lora_B.weight`, shape: [M, R], values: B });
    const weight = `model.layers.${l}.self_attn.q_proj.weight`;
    const shard = shards[l < plants.length / 2 ? 0 : 1];
    if (options.wrongShape?.includes(l)) shard.push({ name: weight, shape: [N + 4, N], values: rng.gaussians((N + 4) * N) });
    else if (!options.missing?.includes(l)) shard.push({ name: weight, shape: [M, N], values: base.W0.values });
    layers.push({ module: module.slice('base_model.model.'.length), base, X, Y, sigma });
  });
  await writeTwoShards(baseDir, shards);
  await writeFixture(adapterDir, 'adapter_model.safetensors', adapter, {
    config: { peft_type: 'LORA', task_type: 'CAUSAL_LM', r: R, lora_alpha: R, target_modules: ['q_proj'] },
  });
  return { adapter: adapterDir, base: baseDir, layers };
}

/** Yᵀ (r×n) column-major, from Y (n×r) column-major. */
function transposed(Y: Matrix): Float64Array {
  const out = new Float64Array(Y.rows * Y.cols);
  for (let j = 0; j < Y.cols; j++) for (let i = 0; i < Y.rows; i++) out[i * Y.cols + j] = Y.data[j * Y.rows + i];
  return out;
}
