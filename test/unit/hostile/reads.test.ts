import { strict as assert } from 'node:assert';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { featureLayout } from '../../../src/core/predict/layout';
import { MANIFEST_FILE, MODEL_FILE, renderManifest } from '../../../src/core/predict/predictor/manifest';
import { orderCheckpoints } from '../../../src/core/subspace/checkpointOrder';
import { writeBaseFixture } from '../../helpers/baseFixture';
import { removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { HAS_FIFOS, linkToDevZero, makeFifo, releaseFifo } from '../../helpers/specialFiles';
import { runCli } from '../cli/runCli';

/**
 * Files that are not regular files where the tool expects one: a FIFO would block `open` (and
 * so a worker thread, or the extension host's thread pool) until a writer came; /dev/zero never
 * ends. Each must give a typed error (exit 2) or be skipped with a warning, at once. No test here
 * measures time: the CLI's own spawn timeout is the guard.
 */

/** A small PEFT LoRA (two modules, r = 2) in `dir`, with its config. */
async function writeAdapter(dir: string, rng: Rng, config: boolean): Promise<string> {
  const prefix = (l: number) => `base_model.model.model.layers.${l}.self_attn.q_proj`;
  const tensors = [0, 1].flatMap((l) => [
    { name: `${prefix(l)}.lora_A.weight`, shape: [2, 8], values: rng.gaussians(16) },
    { name: `${prefix(l)}.lora_B.weight`, shape: [8, 2], values: rng.gaussians(16) },
  ]);
  return writeFixture(dir, 'adapter_model.safetensors', tensors, config ? { config: { peft_type: 'LORA', r: 2, lora_alpha: 4, target_modules: ['q_proj'] } } : {});
}

/** The `{ error: { code, message } }` the CLI prints under --json. */
function errorOf(stdout: string): { code: string; message: string } {
  return (JSON.parse(stdout) as { error: { code: string; message: string } }).error;
}

test('inspect of a FIFO named .safetensors, or a folder whose adapter_model.safetensors is one, exits 2 with IO_ERROR', { skip: !HAS_FIFOS }, async () => {
  const dir = await tempDir();
  const fifo = join(dir, 'x.safetensors');
  const inner = join(dir, 'adapter', 'adapter_model.safetensors');
  try {
    makeFifo(fifo);
    await mkdir(join(dir, 'adapter'));
    makeFifo(inner);
    for (const path of [fifo, join(dir, 'adapter')]) {
      const r = runCli(['inspect', path, '--json']);
      assert.equal(r.status, 2, r.stderr);
      const error = errorOf(r.stdout);
      assert.equal(error.code, 'IO_ERROR');
      assert.match(error.message, /named pipe \(FIFO\), not a regular file/);
    }
    const zero = join(dir, 'zero.safetensors');
    await linkToDevZero(zero);
    const r = runCli(['inspect', zero]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /character device, not a regular file/);
  } finally {
    releaseFifo(fifo);
    releaseFifo(inner);
    await removeDir(dir);
  }
});

test('an adapter_config.json that is a FIFO, or a link to /dev/zero, is skipped with a warning; the weights are analysed', { skip: !HAS_FIFOS }, async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const config = join(dir, 'adapter_config.json');
  try {
    await writeAdapter(dir, rng, false);
    makeFifo(config);
    let r = runCli(['inspect', dir, '--json']);
    assert.equal(r.status, 0, r.stderr);
    let report = JSON.parse(r.stdout) as { modules: unknown[]; warnings: string[] };
    assert.equal(report.modules.length, 2);
    assert.ok(
      report.warnings.some((w) => /adapter config .*adapter_config\.json is a named pipe/.test(w)),
      report.warnings.join('\n'),
    );
    releaseFifo(config);
    await unlink(config);
    await linkToDevZero(config);
    r = runCli(['inspect', dir, '--json']);
    assert.equal(r.status, 0, r.stderr);
    report = JSON.parse(r.stdout) as { modules: unknown[]; warnings: string[] };
    // A link out of the adapter's folder is refused before its target is even looked at (the
    // reader's own check of a character device is covered in test/unit/io/readFile.test.ts).
    assert.ok(
      report.warnings.some((w) => /adapter_config\.json links to a file outside the adapter folder; not read/.test(w)),
      report.warnings.join('\n'),
    );
  } finally {
    releaseFifo(config);
    await removeDir(dir);
  }
});

test('a trainer_state.json that is a FIFO is passed over: the step comes from the folder name', { skip: !HAS_FIFOS }, async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const fifo = join(dir, 'checkpoint-10', 'trainer_state.json');
  try {
    for (const step of [10, 20]) {
      await mkdir(join(dir, `checkpoint-${step}`));
      await writeAdapter(join(dir, `checkpoint-${step}`), rng, true);
    }
    makeFifo(fifo);
    await writeFile(join(dir, 'checkpoint-20', 'trainer_state.json'), JSON.stringify({ global_step: 21 }));
    const { checkpoints } = await orderCheckpoints([dir]);
    assert.deepEqual(
      checkpoints.map((c) => [c.step, c.stepSource]),
      [
        [10, 'name'],
        [21, 'trainer_state'],
      ],
    );
    const r = runCli(['checkpoints', dir, '--json']);
    assert.equal(r.status, 0, r.stderr);
  } finally {
    releaseFifo(fifo);
    await removeDir(dir);
  }
});

test('a base model index that is a FIFO is BAD_INDEX (exit 2)', { skip: !HAS_FIFOS }, async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  let index = '';
  try {
    const fixture = await writeBaseFixture(dir, rng);
    index = join(fixture.base, 'model.safetensors.index.json');
    await rename(index, `${index}.real`);
    makeFifo(index);
    const r = runCli(['inspect', fixture.adapter, '--base', fixture.base, '--json']);
    assert.equal(r.status, 2, r.stderr);
    const error = errorOf(r.stdout);
    assert.equal(error.code, 'BAD_INDEX');
    assert.match(error.message, /named pipe/);
  } finally {
    if (index) releaseFifo(index);
    await removeDir(dir);
  }
});

test('a predictor whose manifest.json is a FIFO, or whose model.onnx links to /dev/zero, is INVALID_PREDICTOR (exit 2)', { skip: !HAS_FIFOS }, async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const fifo = join(dir, 'piped', MANIFEST_FILE);
  try {
    const adapter = await writeAdapter(join(dir), rng, true);
    await mkdir(join(dir, 'piped'));
    makeFifo(fifo);
    await writeFile(join(dir, 'piped', MODEL_FILE), new Uint8Array(16));
    const layout = featureLayout([{ name: 'model.layers.0.self_attn.q_proj', shape: [8, 8] }], 4);
    await mkdir(join(dir, 'endless'));
    await writeFile(
      join(dir, 'endless', MANIFEST_FILE),
      renderManifest({
        format: 'lora-lens-predictor',
        formatVersion: 1,
        name: 'rank-ridge',
        version: '1',
        description: 'test',
        input: { kind: 'features', layout: layout.id, k: 4, modules: layout.modules, width: layout.columns.length },
        model: { kind: 'ridge', file: MODEL_FILE, dtype: 'float64', transform: 'log1p' },
        output: { kind: 'regression', target: 'rank', unit: 'rank', range: [1, 8] },
        training: null,
      }),
    );
    await linkToDevZero(join(dir, 'endless', MODEL_FILE));
    for (const [name, kind] of [
      ['piped', /manifest\.json is a named pipe/],
      ['endless', /model\.onnx is a character device/],
    ] as const) {
      const r = runCli(['predict', adapter, '--predictor', join(dir, name), '--json']);
      assert.equal(r.status, 2, `${name}: ${r.stderr}`);
      const error = errorOf(r.stdout);
      assert.equal(error.code, 'INVALID_PREDICTOR', name);
      assert.match(error.message, kind);
    }
  } finally {
    releaseFifo(fifo);
    await removeDir(dir);
  }
});

test('train-predictor with a FIFO for labels is INVALID_LABELS; scan into an --out that is a FIFO is NOT_SCAN_OUTPUT (exit 2)', { skip: !HAS_FIFOS }, async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const labels = join(dir, 'labels.csv');
  const out = join(dir, 'features.csv');
  try {
    await mkdir(join(dir, 'zoo', 'a'), { recursive: true });
    await writeAdapter(join(dir, 'zoo', 'a'), rng, true);
    makeFifo(labels);
    makeFifo(out);
    const trained = runCli(['train-predictor', '--zoo', join(dir, 'zoo'), '--labels', labels, '--target', 'rank', '--out', join(dir, 'pred'), '--json']);
    assert.equal(trained.status, 2, trained.stderr);
    assert.equal(errorOf(trained.stdout).code, 'INVALID_LABELS');
    assert.match(errorOf(trained.stdout).message, /labels file .*labels\.csv is a named pipe/);
    const scanned = runCli(['scan', join(dir, 'zoo'), '--out', out, '--quiet']);
    assert.equal(scanned.status, 2, scanned.stderr);
    assert.match(scanned.stderr, /scan output .*features\.csv is a named pipe/);
  } finally {
    releaseFifo(labels);
    releaseFifo(out);
    await removeDir(dir);
  }
});
