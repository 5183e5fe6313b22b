import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { readLowRank } from '../../../src/core/analysis/factors';
import { OrtBackend } from '../../../src/core/compute/ort/ortBackend';
import { kohyaName } from '../../../src/core/adapter/moduleNames';
import { parseRankMethod, type RankPlan } from '../../../src/core/resize/recommend';
import { resizeAdapter, type ResizeOptions } from '../../../src/core/resize/resize';
import { gaussian, logSpaced, multiplyDense, scaleColumns } from '../../helpers/factors';
import { corpusPath, removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { checkRoundTrip } from './roundTripCheck';

/**
 * The resize on the onnxruntime backend (CholeskyQR2 for R in pass one, stacked device products
 * in pass two) against the TypeScript path. Every factor here has at least 4096 elements, so the
 * ORT backend runs its kernels, not its small-factor fallbacks.
 */
const same = (name: string): string => name;
const ORT_WORKER = join(__dirname, '..', '..', '..', 'src', 'core', 'compute', 'worker', 'ortWorker.js');
const SMALL_FACTOR = 4096;

/** Same kept ranks, and σ of every layer within 1e-10 relative of the JS plan's (both are exact to ~ε·κ). */
function assertSamePlan(ort: RankPlan, js: RankPlan, tag: string): void {
  assert.deepEqual(
    ort.layers.map((l) => l.kept),
    js.layers.map((l) => l.kept),
    `kept ranks ${tag}`,
  );
  assert.ok(
    Math.abs(ort.overallRelativeError - js.overallRelativeError) <= 1e-10 * Math.max(js.overallRelativeError, 1e-3),
    `overall error ${ort.overallRelativeError} vs ${js.overallRelativeError} ${tag}`,
  );
}

/** Every factor (or, with `larger`, each module's larger factor) is big enough for the ORT kernels. */
async function assertLargeFactors(path: string, larger = false): Promise<void> {
  const opened = await openAdapter(path);
  try {
    for (const m of opened.adapter.modules) {
      if (m.factors?.type !== 'lowRank') continue;
      const side = larger ? Math.max(...m.shape) : Math.min(...m.shape);
      assert.ok(side * m.rank >= SMALL_FACTOR, `${m.name} is too small for the ORT kernels`);
    }
  } finally {
    await opened.file.close();
  }
}

const CORPUS: readonly { source: string; method: string; format: 'same' | 'peft'; dtype: 'F32' | 'BF16'; layout: string; name: (n: string) => string; larger?: boolean }[] = [
  { source: corpusPath('peft-gpt2-a'), method: 'energy:0.9', format: 'same', dtype: 'F32', layout: 'peft', name: same },
  { source: corpusPath('peft-opt125m-bf16'), method: 'budget:params:300000', format: 'same', dtype: 'BF16', layout: 'peft', name: same },
  // Transposed factors (lora_a n×r, lora_b r×m): both wide and tall stacks, and a layout change.
  // Its v_proj's B (128×8) is below the kernels' size and takes the loops; every other factor runs on ORT.
  { source: corpusPath('mlx-cli-adapters', 'adapters.safetensors'), method: 'fixed:5', format: 'same', dtype: 'F32', layout: 'peft', name: same, larger: true },
];

for (const c of CORPUS) {
  test(`onnxruntime backend: ${c.source.split(/[\\/]/).slice(-2).join('/')} round-trips to the truncation, same plan as JS`, async () => {
    await assertLargeFactors(c.source, c.larger);
    const dir = await tempDir();
    const backend = new OrtBackend('cpu');
    try {
      const base: ResizeOptions = { input: c.source, output: join(dir, 'ort'), method: parseRankMethod(c.method), format: c.format };
      const ort = await resizeAdapter({ ...base, backend });
      assert.match(ort.backend, /^onnxruntime/);
      assert.equal(backend.fallbacks, 0, 'CholeskyQR2 took every factor');
      const reopened = await openAdapter(ort.files[0]);
      assert.equal(reopened.adapter.format, c.layout);
      await reopened.file.close();
      assert.equal(await checkRoundTrip(c.source, ort.files[0], ort.plan, c.dtype, c.name, `(${c.source}, onnxruntime)`), ort.plan.layers.length);
      const js = await resizeAdapter({ ...base, output: join(dir, 'js'), compute: { backend: 'js', device: 'cpu' } });
      assert.equal(js.backend, 'js');
      assertSamePlan(ort.plan, js.plan, `(${c.source})`);
    } finally {
      await backend.dispose();
      await removeDir(dir);
    }
  });
}

test('diffusers → kohya on onnxruntime keeps per-module alphas and the truncation', async () => {
  const source = corpusPath('diffusers-sd15-unetprefix', '2100-lora.safetensors');
  const dir = await tempDir();
  const backend = new OrtBackend('cpu');
  try {
    const result = await resizeAdapter({ input: source, output: join(dir, 'k.safetensors'), method: parseRankMethod('sv_fro:0.9'), format: 'same', dtype: 'F32', backend });
    assert.equal(await checkRoundTrip(source, result.files[0], result.plan, 'F32', kohyaName, '(diffusers, onnxruntime)'), result.plan.layers.length);
  } finally {
    await backend.dispose();
    await removeDir(dir);
  }
});

/**
 * A float64 PEFT adapter of four modules (two of one shape, so stacks of two run): B Gaussian
 * with log-spaced column scales over 30, A a product of Gaussians, so ΔW's σ spread over ~1e2
 * to 1e3 with relative gaps between neighbours of order 1/r. The truncated ΔW is then
 * determined to ~ε·r·σ₁/gap ≈ 1e-13 relative (Wedin), whichever backward-stable R computed it;
 * checked at 1e-10 relative, the margin covering an unlucky draw with a close pair of σ.
 */
async function planted(dir: string, rng: Rng): Promise<string> {
  const r = 16;
  const tensors = [];
  const shapes = [
    [640, 640],
    [640, 640],
    [256, 640],
    [rng.int(700, 900), 640],
  ];
  for (const [l, [m, n]] of shapes.entries()) {
    const d = logSpaced(r, 30);
    const B = scaleColumns(gaussian(rng, m, r), d);
    const A = multiplyDense(gaussian(rng, r, r), gaussian(rng, r, n));
    tensors.push(
      { name: `base_model.model.layers.${l}.proj.lora_A.weight`, shape: [r, n], values: A.data },
      { name: `base_model.model.layers.${l}.proj.lora_B.weight`, shape: [m, r], values: B.data },
    );
  }
  return writeFixture(dir, 'adapter_model.safetensors', tensors, { config: { peft_type: 'LORA', r, lora_alpha: 32, target_modules: ['proj'] } });
}

/** ΔW' = s·B'·A' of each module of a written float64 PEFT adapter, row-major m×n. */
async function deltas(path: string): Promise<Float64Array[]> {
  const opened = await openAdapter(path);
  try {
    const out: Float64Array[] = [];
    for (const m of opened.adapter.modules) {
      if (m.factors?.type !== 'lowRank') continue;
      const { B, At } = await readLowRank(opened.file, m.factors, 'float64-wide');
      const [rows, cols, k] = [B.rows, At.rows, B.cols];
      const W = new Float64Array(rows * cols);
      for (let t = 0; t < k; t++)
        for (let i = 0; i < rows; i++) {
          const b = B.values[t * rows + i] * m.scale;
          for (let j = 0; j < cols; j++) W[i * cols + j] += b * At.values[t * cols + j];
        }
      out.push(W);
    }
    return out;
  } finally {
    await opened.file.close();
  }
}

test('float64 adapter: JS, in-process onnxruntime and onnxruntime in its worker write the same truncated ΔW', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const input = await planted(dir, rng);
    await assertLargeFactors(input);
    const base: ResizeOptions = { input, output: '', method: parseRankMethod('budget:rank:32'), format: 'same' };
    const small = await resizeAdapter({ ...base, output: join(dir, 'auto') });
    assert.equal(small.backend, 'js', 'auto keeps JS below 32 MB of factors');
    const js = await resizeAdapter({ ...base, output: join(dir, 'js'), compute: { backend: 'js', device: 'cpu' } });
    const inProcess = await resizeAdapter({ ...base, output: join(dir, 'ort'), compute: { backend: 'onnxruntime', device: 'cpu' } });
    const worker = await resizeAdapter({ ...base, output: join(dir, 'worker'), compute: { backend: 'onnxruntime', device: 'cpu' }, ortWorker: ORT_WORKER });
    assert.match(inProcess.backend, /^onnxruntime cpu/);
    assert.match(worker.backend, /^onnxruntime cpu/);
    const want = await deltas(js.files[0]);
    for (const [label, result] of [
      ['in-process', inProcess],
      ['worker', worker],
    ] as const) {
      assertSamePlan(result.plan, js.plan, `(${label} ${rng.tag})`);
      assert.equal(await checkRoundTrip(input, result.files[0], result.plan, 'F64', same, `(${label} ${rng.tag})`), 4);
      const got = await deltas(result.files[0]);
      got.forEach((W, i) => {
        let diff = 0;
        let norm = 0;
        for (let t = 0; t < W.length; t++) {
          diff += (W[t] - want[i][t]) ** 2;
          norm += want[i][t] ** 2;
        }
        const rel = Math.sqrt(diff / norm);
        assert.ok(rel <= 1e-10, `module ${i}: ‖ΔW'_ort − ΔW'_js‖/‖ΔW'_js‖ = ${rel.toExponential(2)} (${label} ${rng.tag})`);
      });
    }
  } finally {
    await removeDir(dir);
  }
});
