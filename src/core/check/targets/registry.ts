import { COMFYUI_RULES } from './comfyui';
import { DIFFUSERS_RULES } from './diffusers';
import { KOHYA_RULES } from './kohya';
import type { LoadTarget, LoaderRules } from './types';

/** Every loader's rules, by target; one entry per file under ./ (peft.ts, diffusers.ts, …). */
export const LOADER_RULES: Partial<Record<LoadTarget, LoaderRules>> = {
  diffusers: DIFFUSERS_RULES,
  comfyui: COMFYUI_RULES,
  kohya: KOHYA_RULES,
};
