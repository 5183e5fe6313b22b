import { strict as assert } from 'node:assert';
import { openAdapter } from '../../../../src/core/adapter/load';
import type { Adapter } from '../../../../src/core/adapter/model';
import { identify } from '../../../../src/core/check/identify';
import { LOADER_RULES } from '../../../../src/core/check/targets/registry';
import type { LoadJudgement, LoadTarget, TargetFit } from '../../../../src/core/check/targets/types';

/** One loader's judgement and fit for the file at `path`. */
export async function judged(target: LoadTarget, path: string): Promise<LoadJudgement & { fit: TargetFit; adapter: Adapter }> {
  const rules = LOADER_RULES[target];
  assert.ok(rules, `no rules for ${target}`);
  const { adapter, file } = await openAdapter(path);
  try {
    const identity = identify(adapter);
    return { ...rules.judge(adapter, identity), fit: rules.fits(adapter, identity), adapter };
  } finally {
    await file.close();
  }
}

/** Asserts that every stored key loads: nothing dropped, nothing refused. */
export function assertLoadsFully(j: LoadJudgement & { adapter: Adapter }): void {
  assert.equal(j.refused, null, `refused: ${j.refused}`);
  assert.deepEqual(j.dropped, []);
  assert.deepEqual([...j.loaded].sort(), j.adapter.header.tensors.map((t) => t.name).sort());
}

/** The drop reason of `key`, failing when the key was not dropped. */
export function dropReason(j: LoadJudgement, key: string): string {
  const hit = j.dropped.find((d) => d.key === key);
  assert.ok(hit, `${key} not dropped; dropped: ${j.dropped.map((d) => d.key).join(', ')}; refused: ${j.refused}`);
  return hit.reason;
}

/** PEFT LoRA factors of one module under `base_model.model.` (PEFT save_pretrained's names and [r, in] / [out, r] shapes). */
export function peftPair(module: string, r: number, inFeatures: number, outFeatures: number): { name: string; shape: number[]; values: number[] }[] {
  const fill = (n: number): number[] => Array.from({ length: n }, (_, i) => ((i % 7) - 3) / 10);
  return [
    { name: `base_model.model.${module}.lora_A.weight`, shape: [r, inFeatures], values: fill(r * inFeatures) },
    { name: `base_model.model.${module}.lora_B.weight`, shape: [outFeatures, r], values: fill(outFeatures * r) },
  ];
}

/** A tensor of `shape` with small non-zero values. */
export function tensor(name: string, shape: number[]): { name: string; shape: number[]; values: number[] } {
  const n = shape.reduce((a, b) => a * b, 1);
  return { name, shape, values: Array.from({ length: n }, (_, i) => ((i % 5) + 1) / 10) };
}
