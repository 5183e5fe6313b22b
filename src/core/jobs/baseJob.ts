import { openAdapter, type OpenedAdapter } from '../adapter/load';
import { analyzeAgainstBase } from '../base/analyzeBase';
import { BaseModel } from '../base/baseModel';
import { INTRUDER_EPSILON } from '../base/intruders';
import { stampFile, unmatchedModules } from '../check/attachedBase';
import type { CancellationToken } from '../cancellation';
import { describeDenseDevice } from '../compute/device/denseDevice';
import { openDenseEngine } from '../compute/device/denseEngines';
import { assertUnchanged } from '../container/unchanged';
import type { JobDefinition } from './definition';
import type { BaseJobOptions, JobKinds, ModuleProgress } from './protocol';
import { seededNormals } from './seededNormals';

/**
 * One adapter against its base model: opens the base (headers only) and the adapter, multiplies
 * by one base weight at a time on the chosen dense engine, reports each module, and closes
 * everything whatever happens. The token is checked by the core after every read and SVD, so a
 * cancelled job stops within one module. The output carries what the editor's check needs to
 * give the base-model findings from it (the unmatched modules and the files' stamps).
 */
export const baseJob: JobDefinition<'base'> = {
  kind: 'base',
  async run({ adapterPath, basePath, options }, { token, progress }) {
    const base = await BaseModel.open(basePath);
    try {
      // Stamped before the reads: a file changed meanwhile then reads as changed, never the reverse.
      const shards = await Promise.all(base.layout.shards.map((s) => stampFile(s.path)));
      const adapterStamp = await stampFile(adapterPath);
      const opened = await openAdapter(adapterPath);
      try {
        const output = await againstBase(opened, base, options, token, progress);
        return { ...output, check: { unmatched: unmatchedModules(opened, base), adapter: adapterStamp, shards } };
      } finally {
        await opened.file.close().catch(() => undefined);
      }
    } finally {
      await base.close().catch(() => undefined);
    }
  },
};

/** The base analysis of an adapter and a base already open (the caller closes both). */
export async function againstBase(
  opened: OpenedAdapter,
  base: BaseModel,
  options: BaseJobOptions,
  token: CancellationToken,
  progress: (p: ModuleProgress) => void,
): Promise<JobKinds['base']['output']> {
  // No size threshold: W0 products are dense m×n by n×l, and even a small model repays onnxruntime's start-up.
  const { engine, device } = await openDenseEngine(options.compute);
  try {
    const analysis = await analyzeAgainstBase(opened, base, engine, {
      ...(options.k === undefined ? {} : { k: options.k }),
      ...(options.epsilon === undefined ? {} : { epsilon: options.epsilon }),
      ...(options.seed === undefined ? {} : { gaussian: seededNormals(options.seed) }),
      token,
      onModule: (done, total, module) => progress({ done, total, module }),
    });
    // The base's shards are checked on every read; the adapter's results are handed on here.
    await assertUnchanged(opened.file);
    const report = {
      path: base.layout.path,
      shards: base.layout.shards.map((s) => s.path),
      engine: engine.name,
      epsilon: options.epsilon ?? INTRUDER_EPSILON,
      device: { name: device.device, precision: device.precision, skipped: device.skipped, text: describeDenseDevice(device) },
      ...(device.skipped.length === 0 ? {} : { fallbackReason: describeDenseDevice(device) }),
    };
    return { analysis, base: report };
  } finally {
    await engine.dispose().catch(() => undefined);
  }
}
