import { openAdapter } from '../adapter/load';
import { BaseModel } from '../base/baseModel';
import { analyzeOpened } from './analyzeJob';
import { againstBase } from './baseJob';
import { startOrtWorker, weightsBytes } from './backends';
import type { JobDefinition } from './definition';
import type { JobKinds } from './protocol';

/**
 * `lora-lens inspect` in one job: the adapter's header is read once and serves the layer table,
 * the spectra and the base analysis. A base that cannot be opened fails before any analysis runs.
 * A file with nothing to analyse returns its adapter only.
 */
export const inspectJob: JobDefinition<'inspect'> = {
  kind: 'inspect',
  async run({ path, options, base: baseRequest }, { token, progress, ortWorker }) {
    // The ORT worker's boot (its thread, the addon, its first session) starts now, beside the
    // header read, when onnxruntime will run: asked for by name, or `auto` on a weights file as
    // large as the factors it takes onnxruntime for (the factors are at most the file).
    startOrtWorker(options, ortWorker, await weightsBytes(path));
    const opened = await openAdapter(path);
    try {
      const base = baseRequest ? await BaseModel.open(baseRequest.path) : null;
      try {
        const { adapter } = opened;
        let analysis: JobKinds['inspect']['output']['analysis'] = null;
        if (adapter.analysable && adapter.modules.length > 0) analysis = await analyzeOpened(opened, options, token, ortWorker, (p) => progress({ phase: 'analyze', ...p }));
        const againstBaseModel =
          base && baseRequest
            ? await againstBase(opened, base, { ...(baseRequest.k === undefined ? {} : { k: baseRequest.k }), compute: options }, token, (p) => progress({ phase: 'base', ...p }))
            : null;
        return { adapter, analysis, base: againstBaseModel };
      } finally {
        await base?.close().catch(() => undefined);
      }
    } finally {
      await opened.file.close().catch(() => undefined);
    }
  },
};
