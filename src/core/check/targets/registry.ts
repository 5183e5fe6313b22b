import { LLAMA_CPP_RULES } from './llamaCpp';
import { MLX_RULES } from './mlx';
import { PEFT_RULES } from './peft';
import { COMFYUI_RULES } from './comfyui';
import { DIFFUSERS_RULES } from './diffusers';
import { KOHYA_RULES } from './kohya';
import type { LoadTarget, LoaderRules } from './types';
import { VLLM_RULES } from './vllm';

/** Every loader's rules, by target; one entry per file under ./ (peft.ts, diffusers.ts, …). */
export const LOADER_RULES: Partial<Record<LoadTarget, LoaderRules>> = {
  peft: PEFT_RULES,
  vllm: VLLM_RULES,
  'llama.cpp': LLAMA_CPP_RULES,
  mlx: MLX_RULES,
  diffusers: DIFFUSERS_RULES,
  comfyui: COMFYUI_RULES,
  kohya: KOHYA_RULES,
};
