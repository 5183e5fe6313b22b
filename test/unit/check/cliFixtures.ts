import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gaussian } from '../../helpers/factors';
import { writeFixture } from '../../helpers/fixtures';
import type { Rng } from '../../helpers/random';

// PEFT adapters as PEFT's save_pretrained writes them (peft/utils/save_and_load.py
// get_peft_model_state_dict: `base_model.model.<module>.lora_A.weight` of shape [r, in] and
// `lora_B.weight` of shape [out, r], with adapter_config.json beside them).

/** A PEFT adapter folder with two healthy modules; `nan` puts NaN and Inf into the second's B. */
export async function peftAdapter(rng: Rng, dir: string, options: { nan?: boolean } = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  const bad = Float64Array.from(gaussian(rng, 6, 2).data);
  if (options.nan) {
    bad[1] = NaN;
    bad[4] = Infinity;
  }
  await writeFixture(
    dir,
    'adapter_model.safetensors',
    [
      { name: 'base_model.model.layers.0.q_proj.lora_A.weight', shape: [2, 6], values: gaussian(rng, 2, 6).data },
      { name: 'base_model.model.layers.0.q_proj.lora_B.weight', shape: [6, 2], values: gaussian(rng, 6, 2).data },
      { name: 'base_model.model.layers.0.v_proj.lora_A.weight', shape: [2, 6], values: gaussian(rng, 2, 6).data },
      { name: 'base_model.model.layers.0.v_proj.lora_B.weight', shape: [6, 2], values: bad },
    ],
    { config: { peft_type: 'LORA', r: 2, lora_alpha: 4, target_modules: ['q_proj', 'v_proj'] } },
  );
  return dir;
}

/** A readable safetensors file with no adapter in it: a model's own weights. */
export async function modelFile(rng: Rng, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return writeFixture(dir, 'model.safetensors', [{ name: 'model.layers.0.self_attn.q_proj.weight', shape: [4, 4], values: gaussian(rng, 4, 4).data }]);
}

export function child(dir: string, ...parts: string[]): string {
  return join(dir, ...parts);
}
