import { openAdapter } from '../../src/core/adapter/load';
import { analyzeAgainstBase, type BaseAnalysis } from '../../src/core/base/analyzeBase';
import { BaseModel } from '../../src/core/base/baseModel';
import { JsDenseEngine } from '../../src/core/compute/dense';
import { baseModelPayload } from '../../src/host/basePayload';
import type { BaseModelPayload } from '../../src/protocol/basePayloads';
import type { BaseFixture } from '../helpers/baseFixture';
import type { Rng } from '../helpers/random';
import type { SubspaceMessage } from './subspaceRecording';

/** What the Base model tests feed the panel, and the core's own result to check the page against. */
export interface BaseRecording {
  readonly analysis: BaseAnalysis;
  readonly payload: BaseModelPayload;
  readonly messages: readonly SubspaceMessage[];
}

/**
 * Runs the core's base analysis on generated files in this thread and converts it with the
 * host's payload function: the page gets what Attach Base Model… would post for those files.
 */
export async function recordBase(fixture: BaseFixture, rng: Rng): Promise<BaseRecording> {
  const base = await BaseModel.open(fixture.base);
  const opened = await openAdapter(fixture.adapter);
  let analysis: BaseAnalysis;
  try {
    analysis = await analyzeAgainstBase(opened, base, new JsDenseEngine(), { k: 4, gaussian: () => rng.gaussian() });
  } finally {
    await opened.file.close();
    await base.close();
  }
  const payload = baseModelPayload(
    fixture.adapter,
    analysis,
    {
      path: fixture.base,
      shards: [`${fixture.base}/model-00001-of-00002.safetensors`, fixture.secondShard],
      engine: 'js',
      device: { name: 'cpu', precision: 'float64', skipped: [], text: 'cpu (float64)' },
      epsilon: 0.5,
    },
    0.5,
  );
  return {
    analysis,
    payload,
    messages: [
      { kind: 'notify', method: 'started', params: { title: 'adapter_model.safetensors against base', kind: 'base' } },
      { kind: 'notify', method: 'progress', params: { done: 3, total: analysis.modules.length, module: analysis.modules[2].name } },
      { kind: 'notify', method: 'base', params: payload },
    ],
  };
}
