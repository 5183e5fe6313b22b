import { openAdapter } from '../../../../src/core/adapter/load';
import type { Identity } from '../../../../src/core/check/finding';
import { identify } from '../../../../src/core/check/identify';
import type { LoadJudgement, LoaderRules, TargetFit } from '../../../../src/core/check/targets/types';
import { type FixtureTensor, removeDir, tempDir, writeFixture } from '../../../helpers/fixtures';

/** A small pair of factors: `down` [r, n] and `up` [m, r], as kohya and PEFT both store them. */
export function factor(name: string, rows: number, cols: number): FixtureTensor {
  return { name, shape: [rows, cols], values: Array.from({ length: rows * cols }, (_, i) => ((i % 7) - 3) / 10 + 0.05), dtype: 'F32' };
}

export function scalar(name: string, value: number): FixtureTensor {
  return { name, shape: [], values: [value], dtype: 'F32' };
}

/** kohya sd-scripts networks/lora.py keys for one module: `<name>.lora_down.weight`, `.lora_up.weight`, `.alpha`. */
export function kohya(module: string, alpha = true): FixtureTensor[] {
  return [factor(`${module}.lora_down.weight`, 2, 8), factor(`${module}.lora_up.weight`, 8, 2), ...(alpha ? [scalar(`${module}.alpha`, 2)] : [])];
}

/** PEFT / diffusers keys for one module: `<name>.lora_A.weight` [r, in], `<name>.lora_B.weight` [out, r]. */
export function peft(module: string): FixtureTensor[] {
  return [factor(`${module}.lora_A.weight`, 2, 8), factor(`${module}.lora_B.weight`, 8, 2)];
}

/** LyCORIS LoHa keys (lycoris/modules/loha.py): hada_w1_a/b, hada_w2_a/b and alpha. */
export function loha(module: string): FixtureTensor[] {
  return [
    factor(`${module}.hada_w1_a`, 8, 2),
    factor(`${module}.hada_w1_b`, 2, 8),
    factor(`${module}.hada_w2_a`, 8, 2),
    factor(`${module}.hada_w2_b`, 2, 8),
    scalar(`${module}.alpha`, 2),
  ];
}

export interface Judged extends LoadJudgement {
  readonly fit: TargetFit;
}

/**
 * Writes `tensors` to a fresh file and judges it with `rules`, the identified architecture
 * replaced by `architecture` (a fingerprint name of architectures.ts) so the family is the one the
 * case is about, whatever the small shapes would say.
 */
export async function judgeFixture(rules: LoaderRules, tensors: readonly FixtureTensor[], architecture: string | null, metadata?: Record<string, string>): Promise<Judged> {
  const dir = await tempDir();
  try {
    const file = await writeFixture(dir, 'lora.safetensors', tensors, metadata ? { metadata } : {});
    const opened = await openAdapter(file);
    try {
      const found = identify(opened.adapter);
      const identity: Identity = { ...found, architecture: architecture === null ? null : { name: architecture, confidence: 1, evidence: [] } };
      return { ...rules.judge(opened.adapter, identity), fit: rules.fits(opened.adapter, identity) };
    } finally {
      await opened.file.close();
    }
  } finally {
    await removeDir(dir);
  }
}

/** The dropped keys with their reasons, as [key, reason] pairs. */
export function drops(j: LoadJudgement): [string, string][] {
  return j.dropped.map((d) => [d.key, d.reason]);
}
