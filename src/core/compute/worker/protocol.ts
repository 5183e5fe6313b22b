import type { ModuleResult } from '../../analysis/analyze';
import type { BaseAnalysis } from '../../base/analyzeBase';
import type { CheckpointSeries } from '../../subspace/checkpoints';
import type { AdapterComparison } from '../../subspace/compare';
import type { CrossLayerMaps } from '../../subspace/crossLayer';
import type { Matrix } from '../../linalg/matrix';
import type { FactorPair, GroupOverlap, PairOverlap, TallFactor } from '../backend';
import type { MappedFactor, TallProduct } from '../tallProducts';
import type { DeviceChoice, Provider } from '../ort/runtime';

/**
 * Messages between the host (CLI, editor) and the analysis worker, and between the analysis
 * worker and the ORT worker it owns. Numbers travel as typed arrays (structured clone keeps
 * them typed). Every message names its job, so a late reply to a cancelled job is ignored.
 */

/** Which backend computes the R factors; `auto` takes ORT for adapters big enough to repay its start-up. */
export type BackendChoice = 'auto' | 'js' | 'onnxruntime';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'js', 'onnxruntime'];

export interface ComputeOptions {
  readonly backend: BackendChoice;
  readonly device: DeviceChoice;
  /** ORT intra-op threads; default: cores − 1. */
  readonly threads?: number;
}

/** An error as it crosses a thread boundary: enough to rebuild the typed error on the other side. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly file?: string;
}

/** The device that ran, as reported at the end of a job. */
export interface DeviceReport {
  readonly backend: string;
  readonly provider?: Provider;
  readonly fallbackReason?: string;
  readonly threads?: number;
  /** Factors (or compared pairs of factors) CholeskyQR could not take and Householder did. */
  readonly fallbacks?: number;
}

/** What a compare job asks for beyond the two paths (compareAdapters' options, minus token and progress). */
export interface CompareJobOptions {
  readonly k?: number;
  /** Module names (in A) whose φ(i, j) grids are wanted. */
  readonly grids?: readonly string[];
  /**
   * Compare only these modules of A (by name): a φ grid for one module costs one pair's reads,
   * not the whole adapter's. B's modules left without a partner are then listed as unmatched.
   */
  readonly only?: readonly string[];
  /** Which backend runs the tall products; default `auto` (onnxruntime for adapters large enough to repay its start-up). */
  readonly compute?: ComputeOptions;
}

/** What a base job asks for beyond the two paths (analyzeAgainstBase's options, minus token and progress). */
export interface BaseJobOptions {
  /** W0's top-k (default DEFAULT_BASE_K). */
  readonly k?: number;
  /** Intruder threshold ε (default INTRUDER_EPSILON). */
  readonly epsilon?: number;
  /** Which dense engine multiplies by W0: `auto` is onnxruntime when it loads, else JS (as `inspect --base`). */
  readonly compute: ComputeOptions;
  /**
   * Seed for the randomized SVDs' Gaussian starts: a function cannot cross the thread boundary,
   * so tests that compare with an in-thread run pass the same seed to `seededNormals`.
   */
  readonly seed?: number;
}

/**
 * The subspace analyses (src/core/subspace/), run in the worker so the host's thread stays free.
 * Their results are the core's plain data, structured-cloned (Float64Arrays stay typed).
 */
export type SubspaceJob =
  | { readonly kind: 'compare'; readonly pathA: string; readonly pathB: string; readonly options: CompareJobOptions }
  | { readonly kind: 'checkpoints'; readonly paths: readonly string[] }
  | { readonly kind: 'crossLayer'; readonly path: string }
  /** One adapter against its base model (src/core/base/): W0 is read one weight at a time in the worker. */
  | { readonly kind: 'base'; readonly adapterPath: string; readonly basePath: string; readonly options: BaseJobOptions };

/** A subspace job's result, tagged like its job. */
export type SubspaceResult =
  | { readonly kind: 'compare'; readonly comparison: AdapterComparison }
  | { readonly kind: 'checkpoints'; readonly series: CheckpointSeries }
  | { readonly kind: 'crossLayer'; readonly maps: CrossLayerMaps }
  | { readonly kind: 'base'; readonly analysis: BaseAnalysis; readonly base: BaseJobReport };

/** Which base model a base job read and what multiplied by it. */
export interface BaseJobReport {
  /** The resolved base path (file, index or folder) and its shards in order. */
  readonly path: string;
  readonly shards: readonly string[];
  /** The dense engine's name after the run (`js`, `onnxruntime cpu`, …). */
  readonly engine: string;
  /** Why `auto` fell back to JS, when it did. */
  readonly fallbackReason?: string;
  readonly epsilon: number;
}

export type HostToWorker =
  | { readonly type: 'analyze'; readonly job: number; readonly path: string; readonly options: ComputeOptions }
  | { readonly type: 'subspace'; readonly job: number; readonly work: SubspaceJob }
  | { readonly type: 'cancel'; readonly job: number }
  /** Cancel every job, wait for ORT to finish its run, stop the ORT workers, then end the thread. */
  | { readonly type: 'shutdown' };

export type WorkerToHost =
  | { readonly type: 'module'; readonly job: number; readonly index: number; readonly total: number; readonly result: ModuleResult }
  | { readonly type: 'done'; readonly job: number; readonly seconds: number; readonly device: DeviceReport }
  /** A subspace job's progress: modules done of total, and the last one finished. */
  | { readonly type: 'progress'; readonly job: number; readonly done: number; readonly total: number; readonly module: string }
  | { readonly type: 'result'; readonly job: number; readonly seconds: number; readonly result: SubspaceResult }
  | { readonly type: 'error'; readonly job: number; readonly error: SerializedError };

export type ToOrtWorker =
  | { readonly type: 'factors'; readonly id: number; readonly factors: readonly TallFactor[] }
  | { readonly type: 'overlaps'; readonly id: number; readonly pairs: readonly FactorPair[] }
  | { readonly type: 'groups'; readonly id: number; readonly groups: readonly (readonly TallFactor[])[] }
  | { readonly type: 'products'; readonly id: number; readonly products: readonly TallProduct[] }
  | { readonly type: 'info'; readonly id: number };

export type FromOrtWorker =
  /** `buffers` are the factors' buffers, handed back for reuse. */
  | { readonly type: 'factors'; readonly id: number; readonly R: readonly Matrix[]; readonly device: DeviceReport; readonly buffers: ArrayBuffer[] }
  /** `buffers` as for `factors`. */
  | { readonly type: 'overlaps'; readonly id: number; readonly overlaps: readonly PairOverlap[]; readonly device: DeviceReport; readonly buffers: ArrayBuffer[] }
  | { readonly type: 'groups'; readonly id: number; readonly overlaps: readonly GroupOverlap[]; readonly device: DeviceReport; readonly buffers: ArrayBuffer[] }
  /** `buffers` as for `factors`; each product's values are transferred too. */
  | { readonly type: 'products'; readonly id: number; readonly products: readonly MappedFactor[]; readonly device: DeviceReport; readonly buffers: ArrayBuffer[] }
  | { readonly type: 'info'; readonly id: number; readonly device: DeviceReport }
  | { readonly type: 'error'; readonly id: number; readonly error: SerializedError };

/** Options the ORT worker starts with (its workerData). */
export interface OrtWorkerData {
  readonly device: DeviceChoice;
  readonly threads?: number;
}

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  // BaseModelError names its file `path`; it crosses as `file` like the others.
  const { code, file, path } = error as Error & { code?: unknown; file?: unknown; path?: unknown };
  const where = typeof file === 'string' ? file : typeof path === 'string' ? path : undefined;
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(where === undefined ? {} : { file: where }),
  };
}
