import { strict as assert } from 'node:assert';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { FeatureError } from '../../../src/core/predict/errors';
import { featureLayout } from '../../../src/core/predict/layout';
import type { Rows } from '../../../src/core/predict/predictor/dense';
import { MANIFEST_FILE, parseManifest, renderManifest, type PredictorManifest } from '../../../src/core/predict/predictor/manifest';
import { predictModel, trainLogistic, trainRidge, type LinearModel } from '../../../src/core/predict/predictor/model';
import { encodePredictorModel } from '../../../src/core/predict/predictor/onnxExport';
import { readPredictor, writePredictor } from '../../../src/core/predict/predictor/predictorDir';
import { PredictorSession } from '../../../src/core/predict/predictor/runPredictor';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { withSyncSpy } from '../../helpers/syncSpy';
import { ridgeManifest } from '../../helpers/predictorManifest';
import { Rng } from '../../helpers/random';

/** Positive, spread-out rows like spectra (log1p needs x > −1). */
function spectraLike(rng: Rng, rows: number, cols: number): Rows {
  return { rows, cols, data: Float64Array.from({ length: rows * cols }, () => Math.exp(2 * rng.gaussian())) };
}

async function assertOnnxMatches(model: LinearModel, x: Rows, tag: string): Promise<void> {
  const session = await PredictorSession.create(encodePredictorModel(model, 'test'), model.kind);
  try {
    const fromOrt = await session.run(x.data, x.rows, x.cols);
    const fromTs = predictModel(model, x);
    assert.equal(fromOrt.length, fromTs.length);
    const scale = Math.max(...fromTs.map(Math.abs));
    fromTs.forEach((v, i) =>
      assert.ok(Math.abs(fromOrt[i] - v) <= 1e-6 * Math.max(Math.abs(v), 1e-3 * scale), `${model.kind}/${model.transform} output ${i}: ORT ${fromOrt[i]} vs TS ${v} ${tag}`),
    );
  } finally {
    await session.dispose();
  }
}

test('exported ONNX models run in onnxruntime and match the TypeScript models to 1e-6 relative', async () => {
  const rng = Rng.fresh();
  const p = rng.int(5, 40);
  const train = spectraLike(rng, rng.int(20, 50), p);
  const fresh = spectraLike(rng, rng.int(5, 30), p);
  const y = Float64Array.from({ length: train.rows }, () => rng.gaussian());
  await assertOnnxMatches(trainRidge(train, y, 1 + rng.next() * 10, 'log1p'), fresh, rng.tag);
  await assertOnnxMatches(trainRidge(train, y, 1 + rng.next() * 10, 'identity'), fresh, rng.tag);
  const binary = Array.from({ length: train.rows }, (_, i) => i % 2);
  await assertOnnxMatches(trainLogistic(train, binary, 2, 'log1p'), fresh, rng.tag);
  const classes = rng.int(3, 5);
  const multi = Array.from({ length: train.rows }, (_, i) => i % classes);
  const model = trainLogistic(train, multi, classes, 'log1p');
  await assertOnnxMatches(model, fresh, rng.tag);
  const probabilities = predictModel(model, fresh);
  for (let r = 0; r < fresh.rows; r++) {
    const sum = probabilities.subarray(r * classes, (r + 1) * classes).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-12, `probabilities sum to 1 ${rng.tag}`);
  }
});

function sampleManifest(): PredictorManifest {
  return ridgeManifest(
    [
      { name: 'blocks.0.fc', shape: [32, 32] },
      { name: 'blocks.1.fc', shape: [32, 16] },
    ],
    'rank-ridge',
  );
}

function rejects(text: string, pattern: RegExp): void {
  assert.throws(
    () => parseManifest(text, 'p/manifest.json'),
    (error: unknown) => error instanceof FeatureError && error.code === 'INVALID_PREDICTOR' && pattern.test(error.message) && error.message.startsWith('p/manifest.json'),
  );
}

test('manifest validation: a round trip, and clear errors for malformed JSON and a wrong layout', () => {
  const m = sampleManifest();
  assert.deepEqual(parseManifest(renderManifest(m), 'x'), m);
  rejects('{"format": "lora-lens-predictor",', /not JSON/);
  rejects('[]', /the manifest must be an object/);
  rejects(JSON.stringify({ ...m, format: 'other' }), /format must be "lora-lens-predictor"/);
  rejects(JSON.stringify({ ...m, formatVersion: 9 }), /formatVersion 9 is not supported/);
  const otherId = featureLayout([{ name: 'blocks.0.fc', shape: [32, 32] }], 4).id;
  rejects(JSON.stringify({ ...m, input: { ...m.input, layout: otherId } }), /does not match the modules and k it lists/);
  rejects(JSON.stringify({ ...m, input: { ...m.input, layout: 'spectra-v2:k=4' } }), /input.layout: .*not a feature layout id/);
  rejects(JSON.stringify({ ...m, input: { ...m.input, width: 3 } }), /input.width 3 is not the layout's 12 columns/);
  rejects(JSON.stringify({ ...m, output: { kind: 'classification', target: 'rank', labels: ['1', '2'] } }), /does not go with model.kind "ridge"/);
  rejects(JSON.stringify({ ...m, model: { ...m.model, transform: 'sqrt' } }), /model.transform/);
});

test('a predictor folder is written whole, refused when it exists, replaced with force', async () => {
  const rng = Rng.fresh();
  const root = await tempDir();
  try {
    const dir = join(root, 'pred');
    const x = spectraLike(rng, 12, 12);
    const model = trainRidge(
      x,
      Float64Array.from({ length: 12 }, () => rng.gaussian()),
      2,
      'log1p',
    );
    const stored = { manifest: sampleManifest(), model: encodePredictorModel(model, 'a') };
    // Both files are fsynced inside the hidden folder before it is renamed to `dir`; the parent is fsynced after.
    const syncs = await withSyncSpy(dir, () => writePredictor(dir, stored, false));
    assert.ok(syncs.length >= 3 && syncs.slice(0, 2).every((existed) => !existed) && syncs[syncs.length - 1], String(syncs));
    const back = await readPredictor(dir);
    assert.deepEqual(back.manifest, stored.manifest);
    assert.deepEqual(back.model, stored.model);
    await assert.rejects(writePredictor(dir, stored, false), (e: unknown) => e instanceof FeatureError && e.code === 'PREDICTOR_EXISTS' && /--force/.test(e.message));
    const other = { ...stored, manifest: { ...stored.manifest, name: 'replaced' } };
    await writePredictor(dir, other, true);
    assert.equal((await readPredictor(dir)).manifest.name, 'replaced');
    await writeFile(join(dir, MANIFEST_FILE), (await readFile(join(dir, MANIFEST_FILE), 'utf8')).slice(0, 40));
    await assert.rejects(readPredictor(dir), (e: unknown) => e instanceof FeatureError && e.code === 'INVALID_PREDICTOR' && /not JSON/.test(e.message));
    await mkdir(join(root, 'empty'));
    await assert.rejects(readPredictor(join(root, 'empty')), (e: unknown) => e instanceof FeatureError && /cannot be read.*train-predictor/.test(e.message));
  } finally {
    await removeDir(root);
  }
});
