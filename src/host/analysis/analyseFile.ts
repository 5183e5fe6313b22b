import { openAdapter } from '../../core/adapter/load';
import type { CancellationToken } from '../../core/cancellation';
import type { ComputeOptions } from '../../core/compute/worker/protocol';
import { stampOf, type AnalysedAdapter, type AnalysisService } from './analysisService';

/**
 * The analysis of a weights file without an editor (Export Report with none open, the hover's
 * workspace adapters): from the cache when the file is unchanged, else read and analysed.
 */
export async function analyseFile(
  service: AnalysisService,
  path: string,
  compute: ComputeOptions,
  token: CancellationToken,
  onProgress?: (done: number, total: number) => void,
): Promise<AnalysedAdapter> {
  const stamp = await stampOf(path);
  const cached = service.cache.get(stamp);
  if (cached) return cached;
  // onnxruntime loads while the header is read; a failure here fails again, coded, in the analysis.
  service.warmOnnxRuntime(compute).catch(() => undefined);
  const opened = await openAdapter(path);
  await opened.file.close();
  if (!opened.adapter.analysable || opened.adapter.modules.length === 0) {
    const entry: AnalysedAdapter = { adapter: opened.adapter, stamp, analysis: { modules: [], backend: 'none', seconds: 0 } };
    service.cache.set(stamp, entry);
    return entry;
  }
  let done = 0;
  return service.analyze(opened.adapter, stamp, { compute, token, onModule: (_r, _i, total) => onProgress?.(++done, total) });
}
