import type { Adapter } from '../../adapter/model';
import type { Identity } from '../finding';

/** The loaders `lora-lens check --target` can judge a file against. */
export const LOAD_TARGETS = ['peft', 'diffusers', 'comfyui', 'kohya', 'vllm', 'llama.cpp', 'mlx'] as const;
export type LoadTarget = (typeof LOAD_TARGETS)[number];

/** A stored tensor a loader would not apply, and why (unknown prefix, broken suffix, …). */
export interface DroppedKey {
  readonly key: string;
  readonly reason: string;
}

/** Whether a loader is one the file's owner would use for it (from the identified architecture). */
export interface TargetFit {
  readonly fits: boolean;
  readonly reason: string;
}

/** What one loader's key rules make of a file. */
export interface LoadJudgement {
  /** Tensor names the loader would apply. */
  readonly loaded: readonly string[];
  /** Tensor names it would skip, each with the rule that skips it. */
  readonly dropped: readonly DroppedKey[];
  /** Why the loader refuses the whole file (container, adapter type, dtype), else null. */
  readonly refused: string | null;
}

/** One loader's verdict on one file. */
export interface TargetVerdict extends LoadJudgement {
  readonly target: LoadTarget;
  readonly fit: TargetFit;
  /** The loader source the rules were read from: repository, file and version. */
  readonly source: string;
}

/**
 * One loader's documented key rules, read from its source (each implementation cites the
 * repository, file, function and version it follows). `judge` sees the file as that loader
 * would: its stored tensor names, dtypes and shapes (adapter.header), metadata and config.
 */
export interface LoaderRules {
  readonly target: LoadTarget;
  readonly source: string;
  fits(adapter: Adapter, identity: Identity): TargetFit;
  judge(adapter: Adapter, identity: Identity): LoadJudgement;
}
