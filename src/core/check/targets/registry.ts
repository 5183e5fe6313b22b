import type { LoadTarget, LoaderRules } from './types';

/** Every loader's rules, by target; one entry per file under ./ (peft.ts, diffusers.ts, …). */
export const LOADER_RULES: Partial<Record<LoadTarget, LoaderRules>> = {};
