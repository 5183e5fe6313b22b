import type { TensorSource } from '../container/source';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { openAdapter, type OpenedAdapter } from '../adapter/load';
import type { Adapter } from '../adapter/model';
import { AdapterError } from '../adapter/errors';
import { resolveWeightsFile } from '../adapter/resolve';
import { analyzeAdapter, type AdapterAnalysis, type AnalysisProgress } from '../analysis/analyze';
import type { ComputeBackend } from '../compute/backend';
import type { ComputeOptions } from '../compute/worker/protocol';
import { resizeBackend } from '../resize/resizeBackend';
import { LensError, registerLensError } from '../errors';
import { MAX_CONFIG_BYTES } from '../adapter/config';
import { readSmallText } from '../io/readFile';
import { findAdapters } from '../predict/scan/findAdapters';
import { SEVERITIES, type Finding, type Identity, type Severity } from './finding';
import { DEFAULT_HEALTH_THRESHOLDS, type HealthThresholds } from './thresholds';
import { loadFindings } from './targets/judge';
import type { LoadTarget, TargetVerdict } from './targets/types';

/**
 * Where the check's findings come from: what the file is, where its metadata contradicts its
 * tensors, and its health. One seam, so that the command, SARIF and the editor share one run.
 */
export interface CheckSources {
  identify(adapter: Adapter): Identity;
  contradictions(adapter: Adapter, identity: Identity): Finding[];
  health(adapter: Adapter, analysis: AdapterAnalysis, file: TensorSource, thresholds: HealthThresholds): Finding[] | Promise<Finding[]>;
  /** Findings against the base model (`--base`); absent when this build has none. */
  base?(adapter: Adapter, analysis: AdapterAnalysis, file: TensorSource, basePath: string, thresholds: HealthThresholds): Promise<Finding[]>;
  /** Each loader's verdict (`asked` null: the loaders that fit); absent when this build has no loader rules. */
  loads?(adapter: Adapter, identity: Identity, asked: readonly LoadTarget[] | null): TargetVerdict[];
}

export interface CheckOptions {
  /** The base model for the base-model findings. */
  readonly base?: string;
  /** Defaults to the pure TypeScript backend. */
  readonly backend?: ComputeBackend;
  /** The health thresholds (the editor's settings); DEFAULT_HEALTH_THRESHOLDS where absent. */
  readonly thresholds?: Partial<HealthThresholds>;
  /**
   * Which backend and device to analyse on, chosen per file by the one policy every job uses
   * (chooseBackendKind, as `inspect --backend/--device`); ignored when `backend` is given.
   * Absent: the pure TypeScript backend.
   */
  readonly compute?: ComputeOptions;
  /** The ORT worker's script: with `compute`, onnxruntime then runs on its own thread (see ResizeCompute). */
  readonly ortWorker?: string;
  /** Called as each module of each file is analysed. */
  readonly onProgress?: (progress: CheckProgress) => void;
  /** The loaders to judge the file against (`--target`); absent: every loader that fits it. */
  readonly targets?: readonly LoadTarget[];
}

/** How far the check of one file has come: modules analysed so far and in all. */
export interface CheckProgress {
  /** The weights file being checked. */
  readonly path: string;
  readonly done: number;
  readonly total: number;
}

/** One checked file: what it is and what was found, findings most serious first. */
export interface FileCheck {
  /** The weights file that was read. */
  readonly path: string;
  readonly identity: Identity;
  readonly findings: readonly Finding[];
  /** adapter_config.json beside it, when one was read: its path and text (for the lines of keys). */
  readonly config: { readonly path: string; readonly text: string } | null;
  /** Each judged loader's verdict: which keys it would load and which it would drop. */
  readonly targets: readonly TargetVerdict[];
}

/** A check that cannot run as asked (e.g. `--base` where no base-model findings exist). */
export class CheckError extends LensError {
  override readonly name = 'CheckError';
  readonly code = 'CHECK_UNSUPPORTED';
  readonly inputError = true;
}
registerLensError('CheckError', CheckError);

/** How many adapters one folder argument may expand to; a bound on the work a folder can ask for. */
export const MAX_ADAPTERS_PER_FOLDER = 10_000;

/**
 * The adapter files a path stands for: a file is itself; a folder holding one adapter is that
 * adapter; a folder of adapters is every adapter folder under it (findAdapters) and every
 * .safetensors file directly in it. A folder with none throws the reader's own error (exit 2).
 */
export async function expandPath(path: string): Promise<string[]> {
  try {
    return [await resolveWeightsFile(path)];
  } catch (error) {
    if (!(error instanceof AdapterError) || error.code !== 'NO_ADAPTER_FILE') throw error;
    const direct = (await readdir(path, { withFileTypes: true }))
      .filter((e) => e.isFile() && e.name.endsWith('.safetensors'))
      .map((e) => join(path, e.name))
      .sort();
    const nested = (await findAdapters(path)).map((f) => f.path);
    const all = [...direct, ...nested];
    if (all.length === 0) throw error;
    if (all.length > MAX_ADAPTERS_PER_FOLDER) throw new AdapterError('NO_ADAPTER_FILE', `${path} holds more than ${MAX_ADAPTERS_PER_FOLDER} adapters; check fewer at a time`, path);
    return all;
  }
}

/** Findings sorted most serious first, keeping each severity's own order. */
export function bySeverity(findings: readonly Finding[]): Finding[] {
  return SEVERITIES.flatMap((s) => findings.filter((f) => f.severity === s));
}

/** True when some finding is at least as serious as `failOn`. */
export function reaches(findings: readonly Finding[], failOn: Severity): boolean {
  const limit = SEVERITIES.indexOf(failOn);
  return findings.some((f) => SEVERITIES.indexOf(f.severity) <= limit);
}

/** Checks one adapter file or folder: identity, will it load, metadata contradictions, health. */
export async function checkFile(path: string, options: CheckOptions, sources: CheckSources): Promise<FileCheck> {
  if (options.base !== undefined && !sources.base) throw new CheckError('--base: findings against the base model are not available in this build');
  if (options.targets !== undefined && options.targets.length > 0 && !sources.loads) throw new CheckError('--target: loader rules are not available in this build');
  const opened = await openAdapter(path);
  try {
    const analysis = await analyzeOn(opened, options);
    return await checkOpened(opened, analysis, options, sources);
  } finally {
    await opened.file.close();
  }
}

/**
 * The check of an adapter already open (the caller closes it) whose analysis is known: the
 * editor's worker reuses the analysis it already showed instead of computing it again.
 */
export async function checkOpened(opened: OpenedAdapter, analysis: AdapterAnalysis, options: CheckOptions, sources: CheckSources): Promise<FileCheck> {
  if (options.base !== undefined && !sources.base) throw new CheckError('--base: findings against the base model are not available in this build');
  const { adapter } = opened;
  const identity = sources.identify(adapter);
  const asked = options.targets !== undefined && options.targets.length > 0 ? options.targets : null;
  const targets = sources.loads ? sources.loads(adapter, identity, asked) : [];
  // Load findings first: a file a fitting loader would cut short says so before anything else.
  const findings = [
    ...loadFindings(targets, asked),
    ...sources.contradictions(adapter, identity),
    ...(await sources.health(adapter, analysis, opened.file, { ...DEFAULT_HEALTH_THRESHOLDS, ...options.thresholds })),
  ];
  if (options.base !== undefined && sources.base)
    findings.push(...(await sources.base(adapter, analysis, opened.file, options.base, { ...DEFAULT_HEALTH_THRESHOLDS, ...options.thresholds })));
  return { path: adapter.file, identity, findings: bySeverity(findings), config: await configText(adapter), targets };
}

/** The file's analysis on the backend the options ask for, reporting progress as it goes. */
async function analyzeOn(opened: OpenedAdapter, options: CheckOptions): Promise<AdapterAnalysis> {
  const path = opened.adapter.file;
  const onProgress = options.onProgress && ((p: AnalysisProgress) => options.onProgress?.({ path, done: p.done, total: p.total }));
  const progress = onProgress ? { onProgress } : {};
  if (options.backend !== undefined || options.compute === undefined) return analyzeAdapter(opened, { ...(options.backend ? { backend: options.backend } : {}), ...progress });
  const chosen = resizeBackend(opened.adapter, { compute: options.compute, ...(options.ortWorker === undefined ? {} : { ortWorker: options.ortWorker }) });
  try {
    return await analyzeAdapter(opened, { backend: chosen.backend, ...progress });
  } finally {
    if (chosen.owned) await chosen.backend.dispose();
  }
}

/** Every file or folder in `paths`, each folder expanded, in the order given. */
export async function runCheck(paths: readonly string[], options: CheckOptions, sources: CheckSources): Promise<FileCheck[]> {
  const results: FileCheck[] = [];
  for (const path of paths) {
    for (const file of await expandPath(path)) results.push(await checkFile(file, options, sources));
  }
  return results;
}

async function configText(adapter: Adapter): Promise<FileCheck['config']> {
  if (!adapter.config) return null;
  try {
    if (!(await stat(adapter.config.file)).isFile()) return null;
    return { path: adapter.config.file, text: await readSmallText(adapter.config.file, MAX_CONFIG_BYTES, 'the adapter config') };
  } catch {
    // It was read a moment ago; one that vanished since only loses its line numbers.
    return null;
  }
}
