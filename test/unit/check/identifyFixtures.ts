import type { Adapter } from '../../../src/core/adapter/model';
import { openAdapter } from '../../../src/core/adapter/load';
import type { FixtureTensor } from '../../helpers/fixtures';
import { removeDir, tempDir, writeFixture } from '../../helpers/fixtures';

/** Small nonzero factor values (their size is all identification reads). */
export function values(n: number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = ((i * 7919) % 13) / 13 - 0.5;
  return v;
}

/** PEFT LoRA factors (peft tuners/lora/model.py save layout: `base_model.model.<module>.lora_A.weight` [r, in], `lora_B.weight` [out, r]). */
export function peftPair(module: string, out: number, inp: number, r = 1): FixtureTensor[] {
  return [
    { name: `base_model.model.${module}.lora_A.weight`, shape: [r, inp], values: values(r * inp), dtype: 'F16' },
    { name: `base_model.model.${module}.lora_B.weight`, shape: [out, r], values: values(out * r), dtype: 'F16' },
  ];
}

export function peftConfig(base: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { peft_type: 'LORA', base_model_name_or_path: base, r: 1, lora_alpha: 2, target_modules: ['q_proj', 'v_proj'], ...extra };
}

/** kohya sd-scripts networks/lora.py save layout: `lora_unet_<module>.lora_down.weight` [r, in], `lora_up.weight` [out, r], `.alpha` scalar. */
export function kohyaPair(module: string, out: number, inp: number, r = 1): FixtureTensor[] {
  return [
    { name: `${module}.lora_down.weight`, shape: [r, inp], values: values(r * inp), dtype: 'F16' },
    { name: `${module}.lora_up.weight`, shape: [out, r], values: values(out * r), dtype: 'F16' },
    { name: `${module}.alpha`, shape: [], values: [1], dtype: 'F16' },
  ];
}

export async function withAdapter(
  tensors: readonly FixtureTensor[],
  options: { config?: unknown; metadata?: Record<string, string> },
  body: (adapter: Adapter) => void,
): Promise<void> {
  const dir = await tempDir();
  try {
    const path = await writeFixture(dir, 'adapter_model.safetensors', tensors, options);
    const { adapter, file } = await openAdapter(path);
    await file.close();
    body(adapter);
  } finally {
    await removeDir(dir);
  }
}
