import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { openAdapter } from '../../../src/core/adapter/load';
import type { Adapter } from '../../../src/core/adapter/model';
import { analyzeAdapter, type ModuleResult } from '../../../src/core/analysis/analyze';
import { gaussian } from '../../helpers/factors';
import { writeFixture, type FixtureTensor } from '../../helpers/fixtures';
import type { Rng } from '../../helpers/random';
import type { Dense } from '../../helpers/referenceSvd';

/** One module of a fixture adapter: name, ΔW's [m, n], and (when given) its factors. */
export interface FixtureModule {
  readonly name: string;
  readonly m: number;
  readonly n: number;
  readonly B?: Dense;
  readonly A?: Dense;
}

/** The factors a fixture module was written with (row-major, B m×r, A r×n). */
export interface WrittenModule {
  readonly name: string;
  readonly B: Dense;
  readonly A: Dense;
}

/**
 * Writes a PEFT LoRA folder (F64 factors, so spectra are exact) into `dir`, with Gaussian
 * factors where a module gives none. Returns the factors written.
 */
export async function writePeftAdapter(dir: string, rng: Rng, modules: readonly FixtureModule[], r: number, alpha = 2 * r): Promise<WrittenModule[]> {
  await mkdir(dir, { recursive: true });
  const written = modules.map((m) => ({ name: m.name, B: m.B ?? gaussian(rng, m.m, r, 0.5), A: m.A ?? gaussian(rng, r, m.n, 0.5) }));
  const tensors: FixtureTensor[] = written.flatMap((w) => [
    { name: `base_model.model.${w.name}.lora_A.weight`, shape: [w.A.rows, w.A.cols], values: w.A.data },
    { name: `base_model.model.${w.name}.lora_B.weight`, shape: [w.B.rows, w.B.cols], values: w.B.data },
  ]);
  const targets = [...new Set(modules.map((m) => m.name.slice(m.name.lastIndexOf('.') + 1)))];
  await writeFixture(dir, 'adapter_model.safetensors', tensors, { config: { peft_type: 'LORA', r, lora_alpha: alpha, target_modules: targets } });
  return written;
}

/** Opens and analyses an adapter in this thread (the JS backend). */
export async function analyseHere(path: string): Promise<{ adapter: Adapter; modules: readonly ModuleResult[] }> {
  const opened = await openAdapter(path);
  try {
    const analysis = await analyzeAdapter(opened);
    return { adapter: opened.adapter, modules: analysis.modules };
  } finally {
    await opened.file.close();
  }
}

/** A few attention-like modules of random shapes. */
export function randomModules(rng: Rng, count: number): FixtureModule[] {
  return Array.from({ length: count }, (_, i) => ({ name: `model.layers.${i}.self_attn.${['q_proj', 'v_proj'][i % 2]}`, m: rng.int(12, 40), n: rng.int(12, 40) }));
}

export function folder(root: string, name: string): string {
  return join(root, name);
}
