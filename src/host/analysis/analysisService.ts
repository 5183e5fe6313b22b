import { stat } from 'node:fs/promises';
import type { Worker } from 'node:worker_threads';
import type { Adapter } from '../../core/adapter/model';
import type { AdapterAnalysis, ModuleResult } from '../../core/analysis/analyze';
import type { CancellationToken } from '../../core/cancellation';
import { JobClient } from '../../core/jobs/client';
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
  private readonly client: JobClient;
  private warming: Promise<void> | null = null;
  private warmState: WarmState = 'cold';

  /** `ortWorker` is the ORT worker's script (default: beside the analysis worker's). */
  constructor(workerScript: string, ortWorker?: string) {
    this.client = new JobClient(workerScript, ortWorker);
  }

  /**
   * Starts the analysis worker, and onnxruntime in its ORT worker when `compute` can use it, in
   * the background: it returns at once (activation is not held up), and the first analysis
   * queues behind the worker's start rather than paying for it after the editor's table is
   * shown. A warm-up that fails is only logged by the caller; the analysis then starts its own.
   */
  warmUp(compute: ComputeOptions): Promise<void> {
    if (this.warming) return this.warming;
    this.warmState = 'warming';
    // Deferred a turn, so even the worker thread's creation happens after activation returns.
    this.warming = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.client.run('warm', { options: compute }))
      .then(
        () => void (this.warmState = 'warm'),
        (error: unknown) => {
          this.warmState = 'failed';
          throw error;
        },
      );
    return this.warming;
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
    void this.client.dispose();
  }
}

/** The stamp of a file now: what the cache compares to decide that a file is unchanged. */
export async function stampOf(path: string): Promise<FileStamp> {
  const s = await stat(path);
  return { path, size: s.size, mtimeMs: s.mtimeMs };
}
