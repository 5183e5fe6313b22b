import { openAdapter } from '../../../src/core/adapter/load';
import { analyzeAdapter } from '../../../src/core/analysis/analyze';
import { f16OverflowFindings } from '../../../src/core/check/f16Range';
import type { Finding } from '../../../src/core/check/finding';
import { healthFindings } from '../../../src/core/check/health';
import { gaussian, scaleRows } from '../../helpers/factors';
import { removeDir, tempDir, writeFixture, type FixtureTensor } from '../../helpers/fixtures';
import type { Rng } from '../../helpers/random';

/** Layers × {q_proj, v_proj} of a small Llama-shaped model (PEFT names, as peft's save_pretrained writes them). */
export const LAYERS = 6;
export const WIDTH = 24;
export const RANK = 8;

/** How one module's factors are made; every other module gets Gaussian B and A. */
export interface ModuleTweak {
  /** Scales A's rows (the components' sizes). */
  readonly rowScales?: readonly number[];
  readonly bScale?: number;
  readonly rank?: number;
  readonly nanInA?: boolean;
  readonly dtype?: 'F64' | 'F16';
  /** A value written into B (F16 overflow tests). */
  readonly bPeak?: number;
}

export function peftName(layer: number, proj: string): string {
  return `model.layers.${layer}.self_attn.${proj}`;
}

/** PEFT LoRA tensors: `base_model.model.<module>.lora_A.weight` [r, in] and `lora_B.weight` [out, r]. */
export function peftTensors(rng: Rng, tweaks: ReadonlyMap<string, ModuleTweak> = new Map()): FixtureTensor[] {
  const tensors: FixtureTensor[] = [];
  for (let layer = 0; layer < LAYERS; layer++) {
    for (const proj of ['q_proj', 'v_proj']) {
      const name = peftName(layer, proj);
      const tweak = tweaks.get(name) ?? {};
      const r = tweak.rank ?? RANK;
      let A = gaussian(rng, r, WIDTH);
      if (tweak.rowScales) A = scaleRows(A, tweak.rowScales);
      const B = gaussian(rng, WIDTH, r, tweak.bScale ?? 1);
      if (tweak.nanInA) A.data[5] = NaN;
      if (tweak.bPeak !== undefined) B.data[3] = tweak.bPeak;
      const dtype = tweak.dtype ?? 'F64';
      tensors.push({ name: `base_model.model.${name}.lora_A.weight`, shape: [r, WIDTH], values: A.data, dtype });
      tensors.push({ name: `base_model.model.${name}.lora_B.weight`, shape: [WIDTH, r], values: B.data, dtype });
    }
  }
  return tensors;
}

/** An adapter_config.json as PEFT writes it for these modules. */
export function peftConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { peft_type: 'LORA', task_type: 'CAUSAL_LM', r: RANK, lora_alpha: 16, target_modules: ['q_proj', 'v_proj'], ...extra };
}

/** Writes the file, opens it, runs the real analysis and returns every health finding (F16 pass included). */
export async function findingsOf(
  tensors: readonly FixtureTensor[],
  options: { config?: unknown; metadata?: Record<string, string> } = {},
  fileName = 'adapter_model.safetensors',
): Promise<Finding[]> {
  const dir = await tempDir();
  try {
    const path = await writeFixture(dir, fileName, tensors, options);
    const opened = await openAdapter(path);
    try {
      const analysis = await analyzeAdapter(opened);
      return [...healthFindings(opened.adapter, analysis), ...(await f16OverflowFindings(opened.adapter, opened.file))];
    } finally {
      await opened.file.close();
    }
  } finally {
    await removeDir(dir);
  }
}

export function withCode(findings: readonly Finding[], code: string): Finding[] {
  return findings.filter((f) => f.code === code);
}
