import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { OrtBackend } from '../../../src/core/compute/ort/ortBackend';
import { checkpointSeries } from '../../../src/core/subspace/checkpoints';
import { compareAdapters } from '../../../src/core/subspace/compare';
import { corpusPath } from '../../helpers/fixtures';

/**
 * Real adapters (a PEFT RoBERTa run, r 8 on 768-wide modules: large enough for the device
 * kernels) compared on onnxruntime and on the pure TypeScript backend: the same modules, the
 * same unmatched list, and numbers that agree to rounding. Both are float64 methods on the same
 * float32-exact factors; their results differ by a few ulps of each quantity's own scale.
 */
const EARLY = corpusPath('peft-roberta-mrpc-ckpts', 'checkpoint-230');
const FINAL = corpusPath('peft-roberta-mrpc-ckpts', 'checkpoint-460');

const close = (x: number | null, y: number | null, allowed: number, what: string) => {
  assert.ok(x !== null && y !== null && Math.abs(x - y) <= allowed, `${what}: ${x} vs ${y}`);
};

test('compareAdapters on onnxruntime matches the pure TypeScript backend on a real run (cosine, distance, angles, φ grids)', async () => {
  const [a, b] = [await openAdapter(EARLY), await openAdapter(FINAL)];
  const ort = new OrtBackend('cpu');
  try {
    const grids = a.adapter.modules.map((m) => m.name);
    const [got, want] = [await compareAdapters(a, b, { backend: ort, grids }), await compareAdapters(a, b, { grids })];
    assert.equal(ort.report().fallbacks, 0, 'the device ran every pair');
    assert.deepEqual(got.unmatched, want.unmatched);
    assert.deepEqual(
      got.modules.map((m) => [m.name, m.k]),
      want.modules.map((m) => [m.name, m.k]),
    );
    got.modules.forEach((m, i) => {
      const w = want.modules[i];
      close(m.cosine, w.cosine, 1e-13, `${m.name} cosine`);
      close(m.relativeDistance, w.relativeDistance, 1e-12 * (w.relativeDistance as number), `${m.name} distance`);
      for (const s of ['column', 'row'] as const) {
        m[s].degrees.forEach((d, j) => close(d, w[s].degrees[j], 1e-9, `${m.name} ${s} θ${j + 1}°`));
        m.grid?.[s].data.forEach((v, j) => close(v, w.grid?.[s].data[j] ?? null, 1e-13, `${m.name} ${s} φ ${j}`));
      }
    });
  } finally {
    await ort.dispose();
    await a.file.close();
    await b.file.close();
  }
});

test('a checkpoint series on onnxruntime matches the pure TypeScript one, the final against itself included', async () => {
  const ort = new OrtBackend('cpu');
  try {
    const got = await checkpointSeries([EARLY, FINAL], { backendFor: () => ort });
    const want = await checkpointSeries([EARLY, FINAL]);
    // Z of the final against itself is rounding noise: the shifted Cholesky takes it on the device.
    assert.equal(ort.report().fallbacks, 0, 'the device ran every pair');
    assert.deepEqual(got.unmatched, want.unmatched);
    assert.deepEqual(
      got.modules.map((m) => m.name),
      want.modules.map((m) => m.name),
    );
    got.modules.forEach((m, i) => {
      const w = want.modules[i];
      m.cosineToFinal.forEach((c, t) => close(c, w.cosineToFinal[t], 1e-13, `${m.name} cosine at ${t}`));
      m.relativeDistanceToFinal.forEach((d, t) => close(d, w.relativeDistanceToFinal[t], 1e-12 * (w.relativeDistanceToFinal[t] as number) + 1e-14, `${m.name} distance at ${t}`));
      m.topAngleToFinal.forEach((d, t) => close(d, w.topAngleToFinal[t], 1e-9, `${m.name} top angle at ${t}`));
      // The final against itself: 0 distance and 0° up to rounding on the device too.
      assert.ok((m.relativeDistanceToFinal[1] as number) <= 1e-13 && (m.topAngleToFinal[1] as number) <= 1e-5, m.name);
    });
  } finally {
    await ort.dispose();
  }
});
