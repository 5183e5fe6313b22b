import { stat } from 'node:fs/promises';
import type { OpenedAdapter } from '../adapter/load';
import type { BaseAnalysis } from '../base/analyzeBase';
import type { BaseModel } from '../base/baseModel';
import { indexBaseWeights, matchBaseWeight } from '../base/weightNames';
import { baseHealthFindings, type UnmatchedModule } from './baseHealth';
import type { Finding } from './finding';
import type { AnalysisResults } from './health';
import type { HealthThresholds } from './thresholds';

/**
 * The seed of the base analysis' randomized SVDs: a check gives the same findings on every run,
 * as CI needs (the error bounds, not the seed, decide what is reported). The editor's Attach Base
 * Model uses it too, so that the Problems panel shows what `lora-lens check --base` prints.
 */
export const CHECK_BASE_SEED = 0x5eed;

/** A file as it was when a base analysis read it: another size or mtime is another file. */
export interface StampedFile {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/**
 * What the base-model findings need of a finished base analysis besides the analysis itself:
 * the modules no base weight serves (matchBaseWeight's verdicts, header-only) and the stamps of
 * the adapter and of the base's shards it was computed from.
 */
export interface BaseCheckBasis {
  readonly unmatched: readonly UnmatchedModule[];
  readonly adapter: StampedFile;
  readonly shards: readonly StampedFile[];
}

/**
 * A base analysis kept for an adapter so that its check gives the base-model findings without
 * reading the base again: `path` is the resolved base path the findings name (as `lora-lens
 * check --base` names it), `analysis` the base job's.
 */
export interface AttachedBase extends BaseCheckBasis {
  readonly path: string;
  readonly analysis: BaseAnalysis;
}

/** Each adapted module no base weight serves, and why; reads nothing but the headers already open. */
export function unmatchedModules(opened: OpenedAdapter, base: BaseModel): UnmatchedModule[] {
  const index = indexBaseWeights(base.weights.values());
  const fanInFanOut = opened.adapter.config?.values.fan_in_fan_out === true;
  const unmatched: UnmatchedModule[] = [];
  for (const module of opened.adapter.modules) {
    const match = matchBaseWeight(module, index, fanInFanOut);
    if ('reason' in match) unmatched.push({ name: module.name, reason: match.reason, kind: match.kind });
  }
  return unmatched;
}

/** The stamp of the file at `path` now. */
export async function stampFile(path: string): Promise<StampedFile> {
  const info = await stat(path);
  return { path, size: info.size, mtimeMs: info.mtimeMs };
}

/**
 * The base-model findings of an adapter from a kept base analysis, derived again with the given
 * thresholds (cheap: nothing is read but the files' stamps). Null when the adapter or a shard of
 * the base is no longer the file the analysis read, or the analysis names other modules than
 * `adapterAnalysis`: those findings would not be this file's. Intruders stay counted at the ε
 * the analysis ran with (the count needs the analysis' cosines, not only the threshold).
 */
export async function attachedBaseFindings(attached: AttachedBase, adapterAnalysis: AnalysisResults, thresholds: HealthThresholds): Promise<Finding[] | null> {
  for (const file of [attached.adapter, ...attached.shards]) if (!(await unchanged(file))) return null;
  const names = new Set(adapterAnalysis.modules.map((m) => m.name));
  const analysed = attached.analysis.modules;
  if (analysed.length !== names.size || !analysed.every((m) => names.has(m.name))) return null;
  return baseHealthFindings(attached.unmatched, attached.analysis, adapterAnalysis, attached.path, thresholds);
}

async function unchanged(file: StampedFile): Promise<boolean> {
  try {
    const now = await stampFile(file.path);
    return now.size === file.size && now.mtimeMs === file.mtimeMs;
  } catch {
    return false;
  }
}
