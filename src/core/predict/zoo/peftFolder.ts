import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeFloat32 } from '../../safetensors/encode';
import { writeTensorsAtomic } from '../../safetensors/writer';
import { writeFileAtomic } from '../../io/atomicWrite';

/** One module's LoRA as PEFT stores it: lora_A r×n, lora_B m×r, row-major. */
export interface PeftModule {
  readonly name: string;
  readonly A: Float64Array;
  readonly B: Float64Array;
  readonly rank: number;
  /** n, the module's input features. */
  readonly inputs: number;
  /** m, the module's output features. */
  readonly outputs: number;
}

/**
 * Writes a PEFT LoRA folder: adapter_model.safetensors with
 * `base_model.model.<name>.lora_A.weight` [r, n] and `lora_B.weight` [m, r] in F32 (what PEFT
 * saves for an fp32 model), and an adapter_config.json with peft_type LORA, r, lora_alpha and
 * target_modules (the last name part of each module, as PEFT configs list them). Neither file may
 * exist already (the safetensors writer refuses; the folder is expected to be new).
 */
export async function writePeftFolder(dir: string, modules: readonly PeftModule[], alpha: number, baseModel: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const ranks = new Set(modules.map((m) => m.rank));
  if (ranks.size !== 1) throw new RangeError('one rank for every module: the config has a single r');
  const tensors = modules.flatMap((m) => [
    { name: `base_model.model.${m.name}.lora_A.weight`, dtype: 'F32' as const, shape: [m.rank, m.inputs], data: encodeFloat32(m.A) },
    { name: `base_model.model.${m.name}.lora_B.weight`, dtype: 'F32' as const, shape: [m.outputs, m.rank], data: encodeFloat32(m.B) },
  ]);
  await writeTensorsAtomic(join(dir, 'adapter_model.safetensors'), tensors, { format: 'pt' });
  const config = {
    peft_type: 'LORA',
    task_type: null,
    base_model_name_or_path: baseModel,
    r: modules[0]?.rank ?? 0,
    lora_alpha: alpha,
    lora_dropout: 0,
    target_modules: [...new Set(modules.map((m) => m.name.slice(m.name.lastIndexOf('.') + 1)))],
    bias: 'none',
    fan_in_fan_out: false,
    use_rslora: false,
    init_lora_weights: true,
  };
  await writeFileAtomic(join(dir, 'adapter_config.json'), `${JSON.stringify(config, null, 2)}\n`);
}
