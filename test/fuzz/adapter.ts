import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFixture, type FixtureTensor } from '../helpers/fixtures';
import { Rng } from '../helpers/random';

/**
 * Small PEFT LoRA adapters the hostile cases start from: `adapter_model.safetensors` with
 * PEFT's tensor names (`base_model.model.<module>.lora_A.weight` [r, n], `….lora_B.weight`
 * [m, r], peft `save_pretrained`) and `adapter_config.json` with LoraConfig's keys. Values come
 * from a fixed seed per case, so a failure replays exactly.
 */

export const PREFIX = (layer: number, type = 'q_proj') => `base_model.model.model.layers.${layer}.self_attn.${type}`;

export interface AdapterOptions {
  readonly layers?: number;
  readonly m?: number;
  readonly n?: number;
  readonly r?: number;
  /** Multiplies every factor value (B and A both): ΔW scales by its square. */
  readonly factorScale?: number;
  readonly dtype?: FixtureTensor['dtype'];
  /** The config as an object (written as JSON) or as raw text; null writes none. */
  readonly config?: unknown;
  readonly metadata?: Record<string, string> | null;
  /** Module paths instead of `layers` q_proj modules. */
  readonly modules?: readonly string[];
  readonly seed?: number;
  readonly fileName?: string;
}

/** LoraConfig's keys for the default adapter (r = 2, α = 4 on q_proj). */
export const LORA_CONFIG = { peft_type: 'LORA', r: 2, lora_alpha: 4, target_modules: ['q_proj'] } as const;

/** The tensors of an adapter: per module a Gaussian A [r, n] and B [m, r], times `factorScale`. */
export function loraTensors(options: AdapterOptions = {}): FixtureTensor[] {
  const { layers = 2, m = 8, n = 6, r = 2, factorScale = 1, dtype = 'F64', seed = 12 } = options;
  const rng = new Rng(seed);
  const modules = options.modules ?? Array.from({ length: layers }, (_, l) => PREFIX(l));
  return modules.flatMap((prefix) => [
    { name: `${prefix}.lora_A.weight`, shape: [r, n], values: rng.gaussians(r * n).map((v) => v * factorScale), dtype },
    { name: `${prefix}.lora_B.weight`, shape: [m, r], values: rng.gaussians(m * r).map((v) => v * factorScale), dtype },
  ]);
}

/** Writes the adapter into `dir` and returns the weights file's path. */
export async function writeAdapter(dir: string, options: AdapterOptions = {}): Promise<string> {
  const path = await writeFixture(dir, options.fileName ?? 'adapter_model.safetensors', loraTensors(options), { metadata: options.metadata ?? null });
  const config = options.config === undefined ? LORA_CONFIG : options.config;
  if (config !== null) await writeFile(join(dir, 'adapter_config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return path;
}

/** The per-module fields of `inspect --json` the oracles read. */
export interface JsonModule {
  readonly name: string;
  readonly status: string;
  readonly frobenius: number | null;
  readonly effectiveRank: number | null;
  readonly r95: number | null;
  readonly singularValues: readonly number[] | null;
  readonly scale: number | null;
  readonly warnings?: readonly string[];
}

export interface JsonReport {
  readonly modules: readonly JsonModule[];
  readonly warnings: readonly string[];
}
