import { join } from 'node:path';
import { writePeftFolder } from '../../../src/core/predict/zoo/peftFolder';
import { encodeFloat64 } from '../../../src/core/safetensors/encode';
import { writeTensorsAtomic } from '../../../src/core/safetensors/writer';
import type { Rng } from '../../helpers/random';

/**
 * A generated training run whose checkpoints converge to a teacher θ·û·v̂ᵀ per module, written
 * as the zoo writes its runs (PEFT `checkpoint-N/` folders, F32) with a reference file in the
 * shared teacher format, so `checkpoints --reference` can be checked against dense float64.
 */
export interface RunModule {
  readonly name: string;
  readonly m: number;
  readonly n: number;
  /** Unit û (m), v̂ (n), and θ > 0. */
  readonly u: Float64Array;
  readonly v: Float64Array;
  readonly theta: number;
  /** Per step: B (m×r) and A (r×n) row-major as stored (F32-rounded). */
  readonly B: Float64Array[];
  readonly A: Float64Array[];
}

export interface GeneratedRun {
  readonly folder: string;
  readonly steps: readonly number[];
  readonly rank: number;
  /** s = lora_alpha / r. */
  readonly scale: number;
  readonly modules: readonly RunModule[];
}

const RANK = 3;
const ALPHA = 6;

function unit(rng: Rng, length: number): Float64Array {
  const x = rng.gaussians(length);
  const norm = Math.hypot(...x);
  return x.map((e) => e / norm);
}

/**
 * Writes `steps.length` checkpoints under `folder`: at step t, B_t = c_t·√(θ/s)·û·e1ᵀ + ε_t·G and
 * A_t = c_t·√(θ/s)·e1·v̂ᵀ + ε_t·G' (G, G' fresh Gaussians), c_t rising to 1 and ε_t falling, so
 * ΔW_t = s·B_t·A_t approaches θ·û·v̂ᵀ without reaching it.
 */
export async function writeRun(rng: Rng, folder: string, shapes: readonly { name: string; m: number; n: number }[], steps: readonly number[]): Promise<GeneratedRun> {
  const scale = ALPHA / RANK;
  const modules: RunModule[] = shapes.map(({ name, m, n }) => ({ name, m, n, u: unit(rng, m), v: unit(rng, n), theta: 0.5 + 2 * rng.next(), B: [], A: [] }));
  for (let t = 0; t < steps.length; t++) {
    const progress = (t + 1) / steps.length;
    const noise = 0.3 * (1 - progress) + 0.02;
    for (const mod of modules) {
      const c = progress * Math.sqrt(mod.theta / scale);
      const B = Float64Array.from({ length: mod.m * RANK }, (_, k) => Math.fround((k % RANK === 0 ? c * mod.u[Math.floor(k / RANK)] : 0) + noise * rng.gaussian()));
      const A = Float64Array.from({ length: RANK * mod.n }, (_, k) => Math.fround((k < mod.n ? c * mod.v[k] : 0) + noise * rng.gaussian()));
      mod.B.push(B);
      mod.A.push(A);
    }
    const dir = join(folder, `checkpoint-${steps[t]}`);
    await writePeftFolder(
      dir,
      modules.map((mod) => ({ name: mod.name, A: mod.A[t], B: mod.B[t], rank: RANK, inputs: mod.n, outputs: mod.m })),
      ALPHA,
      'generated',
    );
  }
  return { folder, steps, rank: RANK, scale, modules };
}

/**
 * The reference file in the shared format: `<module>.u`, `.v` stored at a non-unit length (the
 * reader normalizes) with `.theta`, or `.delta_w` = θ·û·v̂ᵀ row-major; F64.
 */
export async function writeReference(path: string, modules: readonly RunModule[], form: 'uv' | 'delta_w'): Promise<void> {
  const tensors = modules.flatMap((mod) => {
    if (form === 'uv')
      return [
        { name: `${mod.name}.u`, dtype: 'F64' as const, shape: [mod.m], data: encodeFloat64(mod.u.map((x) => 3 * x)) },
        { name: `${mod.name}.v`, dtype: 'F64' as const, shape: [mod.n], data: encodeFloat64(mod.v.map((x) => 0.5 * x)) },
        { name: `${mod.name}.theta`, dtype: 'F64' as const, shape: [1], data: encodeFloat64([mod.theta]) },
      ];
    const D = new Float64Array(mod.m * mod.n);
    for (let i = 0; i < mod.m; i++) for (let j = 0; j < mod.n; j++) D[i * mod.n + j] = mod.theta * mod.u[i] * mod.v[j];
    return [{ name: `${mod.name}.delta_w`, dtype: 'F64' as const, shape: [mod.m, mod.n], data: encodeFloat64(D) }];
  });
  await writeTensorsAtomic(path, tensors, { format: 'lora-lens-reference', version: '1' });
}
