import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openAdapter } from '../src/core/adapter/load';
import { analyzeAgainstBase } from '../src/core/base/analyzeBase';
import { BaseModel } from '../src/core/base/baseModel';
import { JsDenseEngine, type DenseEngine } from '../src/core/compute/dense';
import { OrtDenseEngine } from '../src/core/compute/ort/ortDense';
import { encodeBFloat16, encodeFloat32 } from '../src/core/safetensors/encode';
import { removeDir, tempDir } from '../test/helpers/fixtures';
import { writeSparseSafetensors, type Poke } from '../test/helpers/sparseFile';

/**
 * `npm run bench:streamed-base [-- --backend ort|js]`: the whole `--base` analysis of one module
 * whose base weight is 32768×32768 BF16 (2 GiB on disk, 4 GiB as float32), past the streamed
 * bound, so every product with W0 reads it from the file in row blocks. The weight is a sparse
 * file with three nonzeros (W0[5, 7] = 3, W0[20000, 7] = 4, W0[32767, 32767] = 2: σ(W0) = 5, 2, 0, …)
 * and the adapter a PEFT r = 2 q_proj. Prints the time, W0's top singular values against the
 * exact ones, and the largest resident set seen (sampled every 100 ms), which stays far below the
 * 4 GiB the weight would take in memory. Too slow for the unit suite (about fifteen passes of
 * 2^30 elements each); test/unit/base/streamedWeightAtScale.test.ts checks one pass each way.
 */
const N = 32768;
const WEIGHT = 'model.layers.0.self_attn.q_proj.weight';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function pokeBF16(row: number, col: number, value: number): Poke[] {
  return [...encodeBFloat16([value])].map((byte, i) => ({ tensor: WEIGHT, offset: 2 * (row * N + col) + i, value: byte }));
}

async function main(): Promise<void> {
  const dir = await tempDir();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  try {
    await writeSparseSafetensors(
      join(dir, 'model.safetensors'),
      [{ name: WEIGHT, dtype: 'BF16', shape: [N, N] }],
      [...pokeBF16(5, 7, 3), ...pokeBF16(20000, 7, 4), ...pokeBF16(N - 1, N - 1, 2)],
    );
    const prefix = 'base_model.model.model.layers.0.self_attn.q_proj';
    const A = new Float32Array(2 * N);
    const B = new Float32Array(N * 2);
    for (let i = 0; i < N; i++) {
      A[i] = Math.sin(i);
      A[N + i] = Math.cos(3 * i);
      B[2 * i] = Math.cos(i) / 100;
      B[2 * i + 1] = Math.sin(5 * i) / 100;
    }
    await writeSparseSafetensors(join(dir, 'adapter_model.safetensors'), [
      { name: `${prefix}.lora_A.weight`, dtype: 'F32', shape: [2, N], data: encodeFloat32(A) },
      { name: `${prefix}.lora_B.weight`, dtype: 'F32', shape: [N, 2], data: encodeFloat32(B) },
    ]);
    await writeFile(join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 2, lora_alpha: 2, target_modules: ['q_proj'] }));
    const opened = await openAdapter(join(dir, 'adapter_model.safetensors'));
    const base = await BaseModel.open(join(dir, 'model.safetensors'));
    const engine: DenseEngine = option('--backend') === 'ort' ? new OrtDenseEngine('auto') : new JsDenseEngine();
    try {
      const started = performance.now();
      const result = await analyzeAgainstBase(opened, base, engine, { k: 1 });
      const seconds = (performance.now() - started) / 1000;
      const [module] = result.modules;
      if (module.status !== 'ok') throw new Error(module.reason);
      console.log(`engine ${engine.name}: ${seconds.toFixed(1)} s for one 32768² BF16 module`);
      console.log(`σ(W0) top ${module.baseValues.length}: ${[...module.baseValues].map((v) => v.toPrecision(12)).join(', ')} (exact: 5, 2)`);
      console.log(`amplification ${module.alignment.amplification.toPrecision(6)}, intruders ${module.intruders.count} (${module.intruders.uncertain} undetermined)`);
      console.log(`largest resident set ${(peak / 2 ** 20).toFixed(0)} MiB (the weight as float32 would be 4096 MiB)`);
    } finally {
      await engine.dispose();
      await base.close();
      await opened.file.close();
    }
  } finally {
    clearInterval(sampler);
    await removeDir(dir);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
