import { strict as assert } from 'node:assert';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { FeatureError, PredictorError } from '../../../src/core/predict/errors';
import { factorsLayoutId, featureLayout } from '../../../src/core/predict/layout';
import { discoverPredictors, openPredictor } from '../../../src/core/predict/predictor/loadPredictor';
import { MANIFEST_FILE, MODEL_FILE, parseManifest, renderManifest, type PredictorManifest } from '../../../src/core/predict/predictor/manifest';
import { trainRidge } from '../../../src/core/predict/predictor/model';
import { encodePredictorModel } from '../../../src/core/predict/predictor/onnxExport';
import { writePredictor } from '../../../src/core/predict/predictor/predictorDir';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { ridgeManifest } from '../../helpers/predictorManifest';
import { Rng } from '../../helpers/random';

const modules = [
  { name: 'blocks.0.fc', shape: [32, 32] as const },
  { name: 'blocks.1.fc', shape: [32, 32] as const },
];

function glnetManifest(): PredictorManifest {
  return {
    ...ridgeManifest(modules, 'rank-ridge'),
    name: 'g',
    input: { kind: 'factors', layout: factorsLayoutId(modules), modules },
    model: { kind: 'glnet', file: 'model.onnx', dtype: 'float64', transform: 'identity' },
    output: { kind: 'classification', target: 'c', labels: ['a', 'b'] },
  };
}

function rejects(text: string, pattern: RegExp): void {
  assert.throws(
    () => parseManifest(text, 'p/manifest.json'),
    (error: unknown) => error instanceof FeatureError && error.code === 'INVALID_PREDICTOR' && pattern.test(error.message),
  );
}

test('factors manifests (GL-net) round-trip and are checked: id, module list, model and input kinds', () => {
  const g = glnetManifest();
  assert.deepEqual(parseManifest(renderManifest(g), 'x'), g);
  const mlp = {
    ...ridgeManifest(modules, 'rank-ridge'),
    model: { ...ridgeManifest(modules, 'rank-ridge').model, kind: 'mlp' as const },
    output: { kind: 'classification' as const, target: 'c', labels: ['a', 'b'] },
  };
  assert.deepEqual(parseManifest(renderManifest(mlp), 'x'), mlp);
  rejects(JSON.stringify({ ...g, input: { ...g.input, layout: factorsLayoutId(modules.slice(1)) } }), /does not match the modules it lists/);
  rejects(JSON.stringify({ ...g, input: { ...g.input, modules: [] } }), /does not match|empty/);
  rejects(JSON.stringify({ ...g, model: { ...g.model, kind: 'ridge' } }), /does not go with input.kind factors/);
  rejects(
    JSON.stringify({ ...ridgeManifest(modules, 'rank-ridge'), model: { ...ridgeManifest(modules, 'rank-ridge').model, kind: 'glnet' } }),
    /does not go with input.kind features/,
  );
  rejects(JSON.stringify({ ...g, model: { ...g.model, kind: 'forest' } }), /model.kind must be one of/);
  rejects(JSON.stringify({ ...g, input: { ...g.input, kind: 'pixels' } }), /input.kind must be "features" or "factors"/);
});

test('openPredictor: provider chosen as the compute engine does, typed errors for a malformed manifest or ONNX file; discoverPredictors lists broken folders', async () => {
  const rng = Rng.fresh();
  const root = await tempDir();
  try {
    const width = featureLayout(modules, 4).columns.length;
    const x = { rows: 12, cols: width, data: Float64Array.from({ length: 12 * width }, () => Math.exp(rng.gaussian())) };
    const model = encodePredictorModel(trainRidge(x, rng.gaussians(12), 2, 'log1p'), 'a');
    await writePredictor(join(root, 'good'), { manifest: ridgeManifest(modules, 'rank-ridge'), model }, false);
    const cpu = await openPredictor(join(root, 'good'), { device: 'cpu' });
    assert.deepEqual(cpu.provider, { name: 'cpu' });
    await cpu.dispose();
    // auto: CUDA when its provider loads here, else the CPU with the reason in words.
    const auto = await openPredictor(join(root, 'good'));
    assert.ok(auto.provider.name === 'cuda' || (auto.provider.name === 'cpu' && /CUDA unavailable/.test(auto.provider.fallbackReason ?? '')), JSON.stringify(auto.provider));
    await auto.dispose();

    await writePredictor(join(root, 'garbled'), { manifest: ridgeManifest(modules, 'rank-ridge'), model: Uint8Array.from({ length: 64 }, () => rng.int(0, 255)) }, false);
    await assert.rejects(
      openPredictor(join(root, 'garbled'), { device: 'cpu' }),
      (e: unknown) => e instanceof PredictorError && e.code === 'INVALID_PREDICTOR' && /model\.onnx is not an ONNX model onnxruntime can load/.test(e.message),
    );
    await mkdir(join(root, 'badjson'));
    await writeFile(join(root, 'badjson', MANIFEST_FILE), '{"format": ');
    await writeFile(join(root, 'badjson', MODEL_FILE), model);
    await assert.rejects(openPredictor(join(root, 'badjson')), (e: unknown) => e instanceof PredictorError && e.code === 'INVALID_PREDICTOR' && /not JSON/.test(e.message));
    await mkdir(join(root, 'empty'));
    await assert.rejects(openPredictor(join(root, 'empty')), (e: unknown) => e instanceof PredictorError && /cannot be read/.test(e.message));

    const found = await discoverPredictors(root);
    assert.deepEqual(
      found.map((f) => [f.dir.slice(root.length + 1), 'manifest' in f]),
      [
        ['badjson', false],
        ['empty', false],
        ['garbled', true],
        ['good', true],
      ],
    );
    const broken = found[0];
    assert.ok('error' in broken && /not JSON/.test(broken.error));
    assert.deepEqual(await discoverPredictors(join(root, 'missing')), []);
  } finally {
    await removeDir(root);
  }
});
