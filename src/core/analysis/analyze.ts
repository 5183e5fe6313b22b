import type { OpenedAdapter } from '../adapter/load';
import type { AdaptedModule } from '../adapter/model';
import { throwIfCancelled, type CancellationToken } from '../cancellation';
import type { ComputeBackend } from '../compute/backend';
import { JsBackend } from '../compute/jsBackend';
import type { Matrix } from '../linalg/matrix';
import type { SafetensorsFile } from '../safetensors/reader';
import { ModuleDataError } from './factors';
import { rankMetrics, type RankMetrics } from './metrics';
import { moduleSpectrum } from './spectrum';
import { Workspace } from './workspace';

/** Summary of a DoRA magnitude vector (one value per output feature). */
export interface MagnitudeSummary {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
}

/** The analysis of one module: its exact spectrum and the metrics of it. */
export interface ModuleAnalysis {
  readonly name: string;
  readonly status: 'ok';
  readonly singularValues: Float64Array;
  /** The canonical core K (column-major), for the mixer view; null for LoKr. */
  readonly core: Matrix | null;
  readonly metrics: RankMetrics;
  readonly magnitude?: MagnitudeSummary;
  readonly warnings: readonly string[];
}

/** A module that was listed but not analysed, and why. */
export interface ModuleSkipped {
  readonly name: string;
  readonly status: 'skipped';
  readonly reason: string;
}

export type ModuleResult = ModuleAnalysis | ModuleSkipped;

export interface AnalysisProgress {
  readonly done: number;
  readonly total: number;
  readonly module: string;
}

export interface AnalyzeOptions {
  /** Defaults to the pure TypeScript backend. */
  readonly backend?: ComputeBackend;
  readonly token?: CancellationToken;
  readonly onProgress?: (progress: AnalysisProgress) => void;
  /** Called with each module's result as soon as it is known (streaming). */
  readonly onModule?: (result: ModuleResult, index: number) => void;
}

export interface AdapterAnalysis {
  /** One result per adapter module, in the adapter's module order. */
  readonly modules: readonly ModuleResult[];
  /** The compute backend that produced the numbers. */
  readonly backend: string;
  readonly seconds: number;
}

/**
 * Computes every module's exact spectrum and metrics. A module whose data is broken (missing
 * partner, NaN, bad shapes) is reported as skipped with its reason; the others are still
 * analysed.
 */
export async function analyzeAdapter(opened: OpenedAdapter, options: AnalyzeOptions = {}): Promise<AdapterAnalysis> {
  const backend = options.backend ?? new JsBackend();
  const started = performance.now();
  const modules = opened.adapter.modules;
  const results: ModuleResult[] = [];
  const workspace = new Workspace();
  for (let i = 0; i < modules.length; i++) {
    throwIfCancelled(options.token);
    const result = await analyzeModule(opened.file, modules[i], backend, options.token, workspace);
    throwIfCancelled(options.token);
    results.push(result);
    options.onModule?.(result, i);
    options.onProgress?.({ done: i + 1, total: modules.length, module: modules[i].name });
  }
  if (!options.backend) await backend.dispose();
  return { modules: results, backend: backend.name, seconds: (performance.now() - started) / 1000 };
}

/** One module's analysis; data problems become a skipped result, never an exception. */
export async function analyzeModule(file: SafetensorsFile, module: AdaptedModule, backend: ComputeBackend, token?: CancellationToken, workspace?: Workspace): Promise<ModuleResult> {
  if (!module.factors) return { name: module.name, status: 'skipped', reason: module.warnings.join('; ') || 'factors missing' };
  try {
    const spectrum = await moduleSpectrum(file, module, module.factors, backend, token, workspace);
    const warnings: string[] = [];
    const metrics = rankMetrics(spectrum.singularValues, module.maxRank);
    if (metrics.frobenius === 0) warnings.push('ΔW is exactly zero (an untrained or zero-initialized factor)');
    const magnitude = module.magnitude ? await magnitudeSummary(file, module.magnitude) : undefined;
    return {
      name: module.name,
      status: 'ok',
      singularValues: spectrum.singularValues,
      core: spectrum.core,
      metrics,
      ...(magnitude ? { magnitude } : {}),
      warnings,
    };
  } catch (error) {
    if (error instanceof ModuleDataError) return { name: module.name, status: 'skipped', reason: error.message };
    throw error;
  }
}

async function magnitudeSummary(file: SafetensorsFile, tensor: string): Promise<MagnitudeSummary | undefined> {
  const info = file.header.byName.get(tensor);
  if (!info) return undefined;
  const values = await file.readFloat64(info);
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { count: values.length, min, max, mean: values.length ? sum / values.length : 0 };
}
