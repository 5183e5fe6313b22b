import { openAdapter } from '../../adapter/load';
import { analyzeAgainstBase } from '../../base/analyzeBase';
import { BaseModel } from '../../base/baseModel';
import { INTRUDER_EPSILON } from '../../base/intruders';
import type { CancellationToken } from '../../cancellation';
import { JsDenseEngine, type DenseEngine } from '../dense';
import { OrtDenseEngine } from '../ort/ortDense';
import type { ComputeOptions, SubspaceJob, SubspaceResult } from './protocol';
import { seededNormals } from './seededNormals';
import type { ProgressSink } from './subspaceJobs';

/**
 * Runs the base-model analysis in the worker thread: opens the base (headers only) and the
 * adapter, multiplies by one base weight at a time on the chosen dense engine, reports each
 * module, and closes everything whatever happens. The token is checked by the core after every
 * read and SVD, so a cancelled job stops within one module.
 */
export async function runBaseJob(work: Extract<SubspaceJob, { kind: 'base' }>, token: CancellationToken, onProgress: ProgressSink): Promise<SubspaceResult> {
  const base = await BaseModel.open(work.basePath);
  const { engine, fallbackReason } = denseEngine(work.options.compute);
  try {
    const opened = await openAdapter(work.adapterPath);
    try {
      const analysis = await analyzeAgainstBase(opened, base, engine, {
        ...(work.options.k === undefined ? {} : { k: work.options.k }),
        ...(work.options.epsilon === undefined ? {} : { epsilon: work.options.epsilon }),
        ...(work.options.seed === undefined ? {} : { gaussian: seededNormals(work.options.seed) }),
        token,
        onModule: onProgress,
      });
      const report = {
        path: base.layout.path,
        shards: base.layout.shards.map((s) => s.path),
        engine: engine.name,
        epsilon: work.options.epsilon ?? INTRUDER_EPSILON,
        ...(fallbackReason === undefined ? {} : { fallbackReason }),
      };
      return { kind: 'base', analysis, base: report };
    } finally {
      await opened.file.close().catch(() => undefined);
    }
  } finally {
    await engine.dispose().catch(() => undefined);
    await base.close().catch(() => undefined);
  }
}

/**
 * The engine `inspect --base` would pick: JS when asked, onnxruntime when asked (its failure is
 * the job's), and for `auto` onnxruntime if it loads, else JS with the reason kept for the report.
 * W0 products are dense m×n by n×l: unlike the factor spectra, even a small model repays ORT.
 */
function denseEngine(compute: ComputeOptions): { engine: DenseEngine; fallbackReason?: string } {
  if (compute.backend === 'js') return { engine: new JsDenseEngine() };
  try {
    return { engine: new OrtDenseEngine(compute.device, compute.threads) };
  } catch (error) {
    if (compute.backend === 'onnxruntime') throw error;
    return { engine: new JsDenseEngine(), fallbackReason: error instanceof Error ? error.message : String(error) };
  }
}
