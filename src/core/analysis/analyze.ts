import { biasUpdateNote, fullRankPieceNorms, type PieceNorm } from '../adapter/fullRankPieces';
import type { OpenedAdapter } from '../adapter/load';
import type { AdaptedModule } from '../adapter/model';
import { isUsableScale } from '../adapter/scale';
import { throwIfCancelled, type CancellationToken } from '../cancellation';
import type { ComputeBackend } from '../compute/backend';
import type { DeviceReport } from '../compute/worker/protocol';
import { JsBackend } from '../compute/jsBackend';
import type { Matrix } from '../linalg/matrix';
import type { TensorSource } from '../container/source';
import { isModuleNumericFailure } from './factorErrors';
import { ModuleDataError } from './factors';
import { planSpectrum, type SpectrumPlan } from './spectrum';
import { rankMetrics, type RankMetrics } from './metrics';
import { learnedAllocationOf, type LearnedAllocation } from './learnedAllocation';
import { mixerOf, type MixerAnalysis } from './mixer';
import type { FactorLimits } from './streamedFactor';
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
  /** MoSLoRA's learned mixer M and σ(M), when the module has one. */
  readonly mixer?: MixerAnalysis;
  /** AdaLoRA's own selection (its E values), when the module stores them. */
  readonly learnedAllocation?: LearnedAllocation;
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
  /** When factors are streamed rather than read whole (tests lower the bound to reach that path). */
  readonly factorLimits?: FactorLimits;
  /**
   * Settles when the backend has started (an ORT worker's addon and first session): reading and
   * decoding go on meanwhile, and its failure is the analysis' failure before any result.
   */
  readonly ready?: Promise<unknown>;
}

export interface AdapterAnalysis {
  /** One result per adapter module, in the adapter's module order. */
  readonly modules: readonly ModuleResult[];
  /** The compute backend that produced the numbers. */
  readonly backend: string;
  readonly seconds: number;
  /** The device that ran, when the analysis ran in the worker (provider, threads, fallbacks). */
  readonly device?: DeviceReport;
  /**
   * Frobenius norms of the full-rank pieces among the adapter's other tensors (modules_to_save,
   * biases, diff/diff_b), read after the spectra: opening a file reads none of them.
   */
  readonly pieceNorms?: readonly PieceNorm[];
}

interface Batch {
  readonly items: { module: AdaptedModule; plan?: SpectrumPlan; skipped?: ModuleSkipped }[];
  readonly R: Promise<Matrix[]>;
}

/**
 * Computes every module's exact spectrum and metrics. Modules are read in batches of about the
 * backend's batch size, their tall factors go to the backend in one call (a device backend
 * stacks equal shapes into one run), and results are reported in module order as each batch
 * finishes. The next batch is read and decoded while the backend works on the current one: with
 * a backend on another thread (the ORT worker) decoding and device products overlap, and the
 * first batches are read while that backend is still starting (`ready`). Two workspaces
 * alternate, so a batch's buffers are never reused while the backend holds them. (Reading
 * further ahead was measured and bought nothing on an 8B-size adapter: this thread's decoding
 * and r×r work, not the worker, bound the time once the worker starts beside the header read.)
 * A module whose data is broken (missing partner, NaN, bad shapes) is reported as skipped with
 * its reason; the others are still analysed.
 */
export async function analyzeAdapter(opened: OpenedAdapter, options: AnalyzeOptions = {}): Promise<AdapterAnalysis> {
  const backend: ComputeBackend = options.backend ?? new JsBackend();
  const started = performance.now();
  const modules = opened.adapter.modules;
  const results: ModuleResult[] = [];
  const workspaces = [new Workspace(backend.allocator), new Workspace(backend.allocator)];
  let next = 0;
  let batches = 0;
  let pending: Batch | null = null;
  try {
    while (next < modules.length || pending) {
      throwIfCancelled(options.token);
      let current: Batch | null = null;
      if (next < modules.length) {
        // At most one batch is pending while this one is read: alternating keeps them apart.
        const workspace = workspaces[batches++ % 2];
        workspace.reset();
        const items: Batch['items'] = [];
        let bytes = 0;
        do {
          const module = modules[next++];
          const planned = await planModule(opened.file, module, backend, workspace, options.factorLimits, options.token);
          items.push({ module, ...planned });
          for (const f of planned.plan?.factors ?? []) bytes += f.values.byteLength;
          throwIfCancelled(options.token);
        } while (next < modules.length && bytes < backend.batchBytes);
        const factors = items.flatMap((item) => item.plan?.factors ?? []);
        current = { items, R: factors.length > 0 ? backend.triangularFactors(factors, options.token) : Promise.resolve([]) };
        // A rejection is handled when the batch is finished; don't let it count as unhandled meanwhile.
        current.R.catch(() => {});
      }
      if (pending) {
        // A backend that failed to start fails the analysis with its own reason, before any result.
        if (options.ready) await options.ready;
        await finishBatch(opened.file, pending, backend, results, modules.length, options);
      }
      pending = current;
    }
    // The full-rank pieces are not part of any spectrum: their norms close the analysis.
    const pieceNorms = await fullRankPieceNorms(opened.file, opened.adapter.otherTensors, options.token);
    return { modules: results, backend: backend.name, seconds: (performance.now() - started) / 1000, pieceNorms };
  } finally {
    if (!options.backend) await backend.dispose();
  }
}

/**
 * Reports a finished batch's modules. A module whose numbers fail (a factor or core that
 * overflows to Inf, from huge factors or a huge scale) is skipped with the reason, and the
 * others are kept. When the batch's backend call itself fails on such data, every module is
 * redone on its own so only the broken one is skipped; a backend that took the buffers over (a
 * worker) no longer has them, and the whole batch is skipped with the reason.
 */
async function finishBatch(file: TensorSource, batch: Batch, backend: ComputeBackend, results: ModuleResult[], total: number, options: AnalyzeOptions): Promise<void> {
  let R: Matrix[] | null;
  let batchError: Error | null = null;
  try {
    R = await batch.R;
  } catch (error) {
    if (!isModuleNumericFailure(error)) throw error;
    R = null;
    batchError = error;
  }
  let offset = 0;
  for (const item of batch.items) {
    let result: ModuleResult;
    if (item.plan) {
      const count = item.plan.factors.length;
      const plan = item.plan;
      const moduleR = R ? R.slice(offset, offset + count) : null;
      offset += count;
      try {
        if (!moduleR && batchError && backend.allocator) throw batchError;
        result = await finishModule(file, item.module, plan, moduleR ?? (await backend.triangularFactors(plan.factors, options.token)));
      } catch (error) {
        if (!isModuleNumericFailure(error)) throw error;
        result = { name: item.module.name, status: 'skipped', reason: `its numbers cannot be computed: ${error.message}` };
      }
    } else result = item.skipped as ModuleSkipped;
    results.push(result);
    options.onModule?.(result, results.length - 1);
    options.onProgress?.({ done: results.length, total, module: item.module.name });
  }
}

/** Reads a module's factors in the backend's form; broken data becomes a skipped result. */
async function planModule(
  file: TensorSource,
  module: AdaptedModule,
  backend: ComputeBackend,
  workspace: Workspace,
  limits: FactorLimits | undefined,
  token: CancellationToken | undefined,
): Promise<{ plan?: SpectrumPlan; skipped?: ModuleSkipped }> {
  if (!module.factors) return { skipped: { name: module.name, status: 'skipped', reason: module.warnings.join('; ') || 'factors missing' } };
  if (!isUsableScale(module.scale)) return { skipped: { name: module.name, status: 'skipped', reason: `its scale ${module.scaleRule}` } };
  try {
    return { plan: await planSpectrum(file, module, module.factors, backend.input, workspace, limits, token) };
  } catch (error) {
    if (error instanceof ModuleDataError) return { skipped: { name: module.name, status: 'skipped', reason: error.message } };
    throw error;
  }
}

async function finishModule(file: TensorSource, module: AdaptedModule, plan: SpectrumPlan, R: readonly Matrix[]): Promise<ModuleResult> {
  const spectrum = plan.finish(R);
  for (const sigma of spectrum.singularValues) {
    if (!Number.isFinite(sigma)) throw new ModuleDataError(`a singular value of ΔW overflows (${sigma}); the factors or the scale are too large`);
  }
  const warnings: string[] = [];
  const metrics = rankMetrics(spectrum.singularValues, module.maxRank);
  if (metrics.frobenius === 0) warnings.push('ΔW is exactly zero (an untrained or zero-initialized factor)');
  const biasNote = await biasUpdateNote(file, module);
  if (biasNote) warnings.push(biasNote);
  const magnitude = module.magnitude ? await magnitudeSummary(file, module.magnitude) : undefined;
  // M was already read for the spectrum, so a mixer that fails to read here is only left out of the view.
  const mixer = await mixerOf(file, module).catch(() => null);
  // E was read for the spectrum too; like M, one that fails here is only left out.
  const learnedAllocation = await learnedAllocationOf(file, module).catch(() => null);
  return {
    name: module.name,
    status: 'ok',
    singularValues: spectrum.singularValues,
    core: spectrum.core,
    metrics,
    ...(magnitude ? { magnitude } : {}),
    ...(mixer ? { mixer } : {}),
    ...(learnedAllocation ? { learnedAllocation } : {}),
    warnings,
  };
}

async function magnitudeSummary(file: TensorSource, tensor: string): Promise<MagnitudeSummary | undefined> {
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
