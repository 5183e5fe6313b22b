import { stat } from 'node:fs/promises';
import type { Worker } from 'node:worker_threads';
import type { Adapter } from '../../core/adapter/model';
import type { AdapterAnalysis, ModuleResult } from '../../core/analysis/analyze';
import type { CancellationToken } from '../../core/cancellation';
import { CancelledError } from '../../core/cancellation';
import { JobClient, type JobRunner } from '../../core/jobs/client';
import type { ComputeOptions } from '../../core/compute/worker/protocol';
import { ResultCache, type FileStamp } from './resultCache';

/** How far the background warm-up has come (see AnalysisService.warmUp). */
export type WarmState = 'cold' | 'warming' | 'warm' | 'failed';

/** An adapter with its finished analysis: what the cache holds, reports export and hovers show. */
export interface AnalysedAdapter {
  readonly adapter: Adapter;
  readonly stamp: FileStamp;
  readonly analysis: AdapterAnalysis;
}

export interface AnalyzeRequest {
  readonly compute: ComputeOptions;
  readonly token: CancellationToken;
  readonly onModule: (result: ModuleResult, index: number, total: number) => void;
}

/**
 * The extension's one analysis worker and the cache of finished analyses. Editors, the hover
 * and commands all go through it, so a file analysed once is not analysed again while it is
 * unchanged, and two editors never run two workers at once (jobs queue in the client).
 */
export class AnalysisService {
  readonly cache = new ResultCache<AnalysedAdapter>();
  private readonly client: ServiceRunner;
  private warming: Promise<void> | null = null;
  private warmState: WarmState = 'cold';
  /** The onnxruntime warm-ups asked for, one per backend, device and thread count. */
  private readonly ortWarmed = new Map<string, Promise<void>>();
  private disposed = false;

  /**
   * `ortWorker` is the ORT worker's script (default: beside the analysis worker's); `client`
   * replaces the worker's client (tests watch the jobs the service sends).
   */
  constructor(workerScript: string, ortWorker?: string, client: ServiceRunner = new JobClient(workerScript, ortWorker)) {
    this.client = client;
  }

  /**
   * Starts the analysis worker (a thread and its bundle's parse: cheap) in the background: it
   * returns at once (activation is not held up), and the first analysis queues behind the
   * worker's start rather than paying for it after the editor's table is shown. onnxruntime is
   * not started here: activation happens in nearly every window, and an ORT session (on CUDA,
   * hundreds of MB of GPU memory) would be held by windows that never open an adapter; see
   * warmOnnxRuntime. A warm-up that fails is only logged by the caller; the analysis then
   * starts its own. After dispose it starts nothing and fails with CancelledError.
   */
  warmUp(): Promise<void> {
    if (this.warming) return this.warming;
    this.warmState = 'warming';
    // Deferred a turn, so even the worker thread's creation happens after activation returns;
    // a dispose within that turn must not start a worker on the disposed client.
    this.warming = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => (this.disposed ? Promise.reject(new CancelledError()) : this.client.run('warm', {})))
      .then(
        () => void (this.warmState = 'warm'),
        (error: unknown) => {
          this.warmState = 'failed';
          throw error;
        },
      );
    return this.warming;
  }

  /**
   * Starts onnxruntime's load and first sessions in the ORT worker that analyses with `compute`
   * will use (when those options can use it at all), once per options: called as an adapter
   * editor opens, before its header is read, so the load overlaps the header read and the
   * table's first paint and the first spectra do not wait for it. The warm job queues ahead of
   * that editor's analysis and answers at once; the load goes on in the ORT worker.
   */
  warmOnnxRuntime(compute: ComputeOptions): Promise<void> {
    if (this.disposed) return Promise.reject(new CancelledError());
    const key = `${compute.backend} ${compute.device} ${compute.threads ?? ''}`;
    let warming = this.ortWarmed.get(key);
    if (!warming) {
      warming = this.client.run('warm', { ort: compute }).then(() => undefined);
      this.ortWarmed.set(key, warming);
    }
    return warming;
  }

  /** Where the warm-up is: not asked for, under way, done (the worker answered), or failed. */
  get warmth(): WarmState {
    return this.warmState;
  }

  /** The analysis worker's thread, while it runs (tests check that analyses reuse the warm one). */
  get workerThread(): Worker | null {
    return this.client.worker;
  }

  /** Runs the analysis in the worker; the finished result goes into the cache. */
  async analyze(adapter: Adapter, stamp: FileStamp, request: AnalyzeRequest): Promise<AnalysedAdapter> {
    const { output } = await this.client.run(
      'analyze',
      { path: stamp.path, options: request.compute },
      { token: request.token, onProgress: ({ result, index, total }) => request.onModule(result, index, total) },
    );
    const analysis: AdapterAnalysis = {
      modules: output.modules,
      backend: output.device.backend,
      seconds: output.seconds,
      device: output.device,
      ...(output.pieceNorms ? { pieceNorms: output.pieceNorms } : {}),
    };
    const entry = { adapter, stamp, analysis };
    this.cache.set(stamp, entry);
    return entry;
  }

  /**
   * Module results of a file the editors do not show (a predictor's training set, the
   * reparametrized copies of an invariance check): through the same queue, not cached, since
   * such files are many, seen once, or removed at once.
   */
  async analyzeFile(path: string, compute: ComputeOptions, token?: CancellationToken): Promise<readonly ModuleResult[]> {
    return (await this.client.run('analyze', { path, options: compute }, token ? { token } : {})).output.modules;
  }

  /**
   * The same worker runs the subspace analyses (compare, checkpoints, cross-layer) and the base
   * analysis, queued with the editors' analyses: the host thread only receives their results.
   */
  get jobs(): Pick<JobClient, 'run'> {
    return this.client;
  }

  dispose(): void {
    this.disposed = true;
    void this.client.dispose();
  }
}

/** What the service runs its jobs on: the worker's client, whose thread tests look at. */
export type ServiceRunner = JobRunner & { readonly worker: Worker | null };

/** The stamp of a file now: what the cache compares to decide that a file is unchanged. */
export async function stampOf(path: string): Promise<FileStamp> {
  const s = await stat(path);
  return { path, size: s.size, mtimeMs: s.mtimeMs };
}
