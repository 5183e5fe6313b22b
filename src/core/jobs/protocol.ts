import type { Adapter } from '../adapter/model';
import type { PieceNorm } from '../adapter/fullRankPieces';
import type { ModuleResult } from '../analysis/analyze';
import type { BaseAnalysis } from '../base/analyzeBase';
import type { AttachedBase, BaseCheckBasis } from '../check/attachedBase';
import type { FileCheck } from '../check/runCheck';
import type { HealthThresholds } from '../check/thresholds';
import type { ComputeOptions, DeviceReport } from '../compute/worker/protocol';
import type { CheckpointSeries } from '../subspace/checkpoints';
import type { AdapterComparison } from '../subspace/compare';
import type { CrossLayerMaps } from '../subspace/crossLayer';

/**
 * The jobs the analysis worker runs, and the messages between it and its client (the CLI or the
 * extension host). A job is named by its kind; `JobKinds` maps each kind to its input, output
 * and progress payloads, so the registry and the one client call are typed from one table.
 * Results are the core's plain data, structured-cloned (Float64Arrays stay typed). Every message
 * names its job, so a late reply to a cancelled job is ignored.
 */

/** Progress of a job that works module by module: modules done of total, and the last one finished. */
export interface ModuleProgress {
  readonly done: number;
  readonly total: number;
  readonly module: string;
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
  /** Which dense engine multiplies by W0: `auto` is onnxruntime when it loads, else JS. */
  readonly compute: ComputeOptions;
  /**
   * Seed for the randomized SVDs' Gaussian starts: a function cannot cross the thread boundary,
   * so tests that compare with an in-thread run pass the same seed to `seededNormals`.
   */
  readonly seed?: number;
}

/** The dense device of a base job (src/core/compute/device/denseDevice.ts), as reported. */
export interface DenseDeviceReport {
  readonly name: 'cpu' | 'cuda' | 'webgpu';
  readonly precision: 'float64' | 'float32';
  readonly skipped: readonly { readonly device: 'cuda' | 'webgpu'; readonly reason: string }[];
  /** The same in one line, as the text report prints it. */
  readonly text: string;
}

/** Which base model a base job read and what multiplied by it. */
export interface BaseJobReport {
  /** The resolved base path (file, index or folder) and its shards in order. */
  readonly path: string;
  readonly shards: readonly string[];
  /** The dense engine's name after the run (`js`, `onnxruntime cpu`, …). */
  readonly engine: string;
  /** Where the dense products ran, in what precision, and why `auto` passed other devices over. */
  readonly device: DenseDeviceReport;
  /** Why `auto` passed devices over (or fell back to JS), when it did: `device.text`. */
  readonly fallbackReason?: string;
  readonly epsilon: number;
}

/** Every job kind with its input, output and progress. */
export interface JobKinds {
  /** Per-module spectra of one adapter; each module's result streams as progress. */
  readonly analyze: {
    readonly input: { readonly path: string; readonly options: ComputeOptions };
    readonly output: { readonly modules: readonly ModuleResult[]; readonly seconds: number; readonly device: DeviceReport; readonly pieceNorms?: readonly PieceNorm[] };
    readonly progress: { readonly index: number; readonly total: number; readonly result: ModuleResult };
  };
  /** Adapter B against adapter A module by module (compareAdapters). */
  readonly compare: {
    readonly input: { readonly pathA: string; readonly pathB: string; readonly options?: CompareJobOptions };
    readonly output: AdapterComparison;
    readonly progress: ModuleProgress;
  };
  /** One run's checkpoints against the final one (checkpointSeries). */
  readonly checkpoints: {
    readonly input: {
      readonly paths: readonly string[];
      /** Default auto/auto. */
      readonly compute?: ComputeOptions;
      /** A reference file (u, v[, θ] or delta_w per module) every checkpoint is also measured against. */
      readonly reference?: string;
    };
    readonly output: CheckpointSeries;
    readonly progress: ModuleProgress;
  };
  /** Layer × layer maps of one adapter (crossLayerMaps). */
  readonly crossLayer: {
    readonly input: { readonly path: string };
    readonly output: CrossLayerMaps;
    readonly progress: ModuleProgress;
  };
  /** One adapter against its base model (analyzeAgainstBase): W0 is read one weight at a time. */
  readonly base: {
    readonly input: { readonly adapterPath: string; readonly basePath: string; readonly options: BaseJobOptions };
    /**
     * `check` is what the editor's check needs to give the base-model findings from this analysis
     * without reading the base again (the base job sets it; `inspect` has no use for it).
     */
    readonly output: { readonly analysis: BaseAnalysis; readonly base: BaseJobReport; readonly check?: BaseCheckBasis };
    readonly progress: ModuleProgress;
  };
  /**
   * `lora-lens check` of one adapter for the editor: identity, contradictions and health. The
   * editor's finished analysis is reused when `analysis` is given and the file still has the size
   * and mtime it was analysed at (and the same modules); else the file is analysed here first.
   */
  readonly check: {
    readonly input: {
      readonly path: string;
      readonly options: ComputeOptions;
      readonly thresholds?: Partial<HealthThresholds>;
      readonly analysis?: { readonly size: number; readonly mtimeMs: number; readonly modules: readonly ModuleResult[] };
      /** A base analysis kept for this adapter: its base-model findings join the others while both files are unchanged. */
      readonly base?: AttachedBase;
    };
    readonly output: FileCheck;
    readonly progress: JobKinds['analyze']['progress'];
  };
  /**
   * `lora-lens inspect [--base]`: the adapter (its header read once), its analysis when it has
   * modules to analyse, and its base analysis when a base is given; progress names its phase.
   */
  readonly inspect: {
    readonly input: { readonly path: string; readonly options: ComputeOptions; readonly base?: { readonly path: string; readonly k?: number } };
    readonly output: { readonly adapter: Adapter; readonly analysis: JobKinds['analyze']['output'] | null; readonly base: JobKinds['base']['output'] | null };
    readonly progress: ({ readonly phase: 'analyze' } & JobKinds['analyze']['progress']) | ({ readonly phase: 'base' } & ModuleProgress);
  };
  /**
   * Readies the worker: it is up once it answers. With `ort` (the compute options of the jobs
   * to come), onnxruntime is also loading, when those options can use it, in the ORT worker the
   * next large job reuses; without it no ORT worker starts (the editor's activation: most
   * windows never open an adapter). `ort` in the output says which: `starting`, `not asked`, or
   * why no ORT worker was started.
   */
  readonly warm: {
    readonly input: { readonly ort?: ComputeOptions };
    readonly output: { readonly ort: 'starting' | 'not used' | 'not asked' | { readonly unavailable: string } };
    readonly progress: never;
  };
}

export type JobKind = keyof JobKinds;
export type JobInput<K extends JobKind> = JobKinds[K]['input'];
export type JobOutput<K extends JobKind> = JobKinds[K]['output'];
export type JobProgress<K extends JobKind> = JobKinds[K]['progress'];

/**
 * The client's requests to the analysis worker over the Endpoint: one method per job kind. `job`
 * is the client's number for the job, which tags the job's progress notifications.
 */
export type JobRequests = {
  readonly [K in JobKind]: {
    readonly params: { readonly job: number; readonly input: JobInput<K> };
    readonly result: { readonly output: JobOutput<K>; readonly seconds: number };
  };
};

/** What the client tells the worker outside a request: stop every job and the ORT threads, then exit. */
export interface ClientNotifications {
  readonly shutdown: null;
}

/** What the worker tells the client outside an answer: a job's progress, tagged with its number. */
export interface WorkerNotifications {
  readonly progress: { readonly job: number; readonly progress: unknown };
}
