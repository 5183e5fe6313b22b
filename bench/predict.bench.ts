import { execFileSync } from 'node:child_process';
import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobClient } from '../src/core/jobs/client';
import { predictorOutputs } from '../src/core/predict/predictor/predictAdapter';
import { readPredictor } from '../src/core/predict/predictor/predictorDir';
import { PredictorSession } from '../src/core/predict/predictor/runPredictor';

/**
 * `npm run bench:predict`: a zoo made with `make-zoo`, then, measured in one run,
 * - scan throughput (adapters/s, MB/s) against the read floor (reading every adapter file);
 * - predictor inference: the ONNX run alone on one feature row, and one adapter end to end
 *   (analysis in the warm worker + features + ONNX run), medians.
 * The zoo's adapters are small (two 32×32 modules), so scan time is per-adapter overhead (open,
 * header, worker round trip), not arithmetic: the ratio to the read floor says how much.
 */
const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const WORKER = join(ROOT, 'dist', 'analysisWorker.js');
const COUNT = Number(process.argv[2] ?? 96);

function cli(...args: string[]): number {
  const started = performance.now();
  execFileSync(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  return (performance.now() - started) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function readFloor(files: readonly string[]): Promise<{ seconds: number; bytes: number }> {
  const started = performance.now();
  let bytes = 0;
  for (const file of files) {
    const handle = await open(file, 'r');
    const { size } = await handle.stat();
    const buffer = new Uint8Array(size);
    await handle.read(buffer, 0, size, 0);
    await handle.close();
    bytes += size;
  }
  return { seconds: (performance.now() - started) / 1000, bytes };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lora-lens-bench-zoo-'));
  try {
    const zoo = join(dir, 'zoo');
    const made = cli('make-zoo', zoo, '--count', String(COUNT), '--setting', 'mixture', '--checkpoints', '0', '--quiet');
    const folders = (await readdir(zoo, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => join(zoo, e.name));
    const files = folders.map((f) => join(f, 'adapter_model.safetensors'));
    await readFloor(files);
    const floor = await readFloor(files);
    const scanned = cli('scan', zoo, '--out', join(dir, 'features.csv'), '--quiet');
    const trained = cli('train-predictor', '--zoo', zoo, '--labels', join(zoo, 'labels.csv'), '--target', 'alignment_u', '--out', join(dir, 'predictor'), '--quiet');
    const stored = await readPredictor(join(dir, 'predictor'));
    const session = await PredictorSession.create(stored.model, stored.manifest.output.kind);
    const client = new JobClient(WORKER);
    try {
      const input = stored.manifest.input;
      if (input.kind !== 'features') throw new Error('train-predictor without --model trains on features');
      const width = input.width;
      const row = Float64Array.from({ length: width }, () => Math.random());
      const runs: number[] = [];
      for (let i = 0; i < 200; i++) {
        const started = performance.now();
        await session.run(row, 1, width);
        runs.push(performance.now() - started);
      }
      const analyze = async (path: string) => (await client.run('analyze', { path, options: { backend: 'auto', device: 'auto' } })).output.modules;
      await predictorOutputs(folders[0], stored.manifest, session, analyze);
      const endToEnd: number[] = [];
      for (const folder of folders.slice(0, 24)) {
        const started = performance.now();
        await predictorOutputs(folder, stored.manifest, session, analyze);
        endToEnd.push(performance.now() - started);
      }
      const mb = floor.bytes / 1e6;
      console.log(`LoRA Lens predictor benchmark · node ${process.version} · a zoo of ${folders.length} adapters (${((mb * 1000) / folders.length).toFixed(1)} kB each)`);
      console.log(`  make-zoo                 ${made.toFixed(2)} s (${(folders.length / made).toFixed(1)} adapters/s, training included)`);
      console.log(`  read floor               ${(floor.seconds * 1000).toFixed(1)} ms for ${mb.toFixed(2)} MB`);
      console.log(
        `  scan (CLI, whole run)    ${scanned.toFixed(2)} s → ${(folders.length / scanned).toFixed(1)} adapters/s, ${(mb / scanned).toFixed(2)} MB/s; ${(scanned / floor.seconds).toFixed(0)}× the read floor (process and worker start included)`,
      );
      console.log(`  train-predictor (CLI)    ${trained.toFixed(2)} s (ridge, featurizing through the worker, 5-fold CV and the baseline)`);
      console.log(`  predict: ONNX run        ${median(runs).toFixed(3)} ms median of ${runs.length} (one feature row, width ${width}, CPU)`);
      console.log(`  predict: one adapter     ${median(endToEnd).toFixed(2)} ms median of ${endToEnd.length} (warm worker: read, spectra, features, ONNX run)`);
    } finally {
      await client.dispose();
      await session.dispose();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
