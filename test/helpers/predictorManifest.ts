import { featureLayout, type LayoutModule } from '../../src/core/predict/layout';
import type { PredictorManifest } from '../../src/core/predict/predictor/manifest';

/** The manifest train-predictor writes for a ridge regressor of `rank` on top-4 invariant features of `modules`. */
export function ridgeManifest(modules: readonly LayoutModule[], name: string): PredictorManifest {
  const layout = featureLayout(modules, 4);
  return {
    format: 'lora-lens-predictor',
    formatVersion: 1,
    name,
    version: '1',
    description: 'test',
    input: { kind: 'features', layout: layout.id, k: 4, modules: layout.modules, width: layout.columns.length },
    model: { kind: 'ridge', file: 'model.onnx', dtype: 'float64', transform: 'log1p' },
    output: { kind: 'regression', target: 'rank', unit: 'rank', range: [1, 8] },
    training: null,
  };
}
