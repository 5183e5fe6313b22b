import { mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAdapter } from '../src/core/adapter/load';
import { randomizedSvd, type TopSvd } from '../src/core/analysis/randomizedSvd';
import { analyzeAgainstBase } from '../src/core/base/analyzeBase';
import { BaseModel } from '../src/core/base/baseModel';
import type { DenseEngine, DenseMatrix } from '../src/core/compute/dense';
import { describeDenseDevice, type DenseDevice } from '../src/core/compute/device/denseDevice';
import { denseEnvironment, openDenseEngine } from '../src/core/compute/device/denseEngines';
import { DEVICE_CHOICES, type DeviceChoice } from '../src/core/compute/ort/runtime';
import { OrtDenseEngine } from '../src/core/compute/ort/ortDense';
import { SeededRandom } from '../src/core/predict/zoo/random';
import { encodeFloat32 } from '../src/core/safetensors/encode';
import { encodeSafetensors, writeSafetensorsAtomic } from '../src/core/safetensors/writer';

/**
 * `npm run bench:device -- [--device auto|cuda|webgpu|cpu] [--layers N] [--no-base]`: the dense
 * work a GPU provider may take, on that provider and on the CPU (onnxruntime, float64) in one
 * run: (1) a top-64 randomized SVD of a 4096×14336 weight (Llama-3-8B's down_proj shape); (2) a
 * `--base` analysis of a PEFT r = 16 adapter against generated Llama-3-8B-shaped BF16 base
 * weights, `--layers` layers of 7 modules (default 1: 0.44 GB on disk; 32 is the whole 16 GB
 * model). Where the provider cannot run, the decision's reason is printed and the CPU alone is
 * timed. Products on WebGPU are float32: the σ columns show how far they moved from the CPU's.
 */
const HIDDEN = 4096;
const KV = 1024;
const FFN = 14336;
const R = 16;

/** Llama-3-8B's seven projections per layer, [out, in] as stored. */
const MODULES: readonly (readonly [string, number, number])[] = [
  ['self_attn.q_proj', HIDDEN, HIDDEN],
  ['self_attn.k_proj', KV, HIDDEN],
  ['self_attn.v_proj', KV, HIDDEN],
  ['self_attn.o_proj', HIDDEN, HIDDEN],
  ['mlp.gate_proj', FFN, HIDDEN],
  ['mlp.up_proj', FFN, HIDDEN],
  ['mlp.down_proj', HIDDEN, FFN],
];

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** A seeded xorshift source of i.i.d. BF16-representable values (RMS ≈ 0.16, as base.bench). */
function bf16Source(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 16) & 0x8000) | ((119 + (state & 7)) << 7) | ((state >>> 3) & 0x7f);
  };
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await run();
  return { value, seconds: (performance.now() - started) / 1000 };
}

/** Largest |σ̂_i(provider) − σ̂_i(cpu)| / σ̂_1(cpu). */
function sigmaDrift(a: Float64Array, b: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / b[0]);
  return worst;
}

async function svdBench(provider: { engine: DenseEngine; device: DenseDevice } | null): Promise<void> {
  const next = bf16Source(0x13579bdf);
  const values = new Float32Array(HIDDEN * FFN);
  const bits = new Uint32Array(values.buffer);
  for (let i = 0; i < bits.length; i++) bits[i] = (next() << 16) >>> 0;
  const W: DenseMatrix = { rows: HIDDEN, cols: FFN, values };
  // The same Gaussian draws for both runs, so the σ drift is the products' precision alone.
  const gaussian = () => {
    const g = new SeededRandom(0x2468ace1);
    return () => g.normal();
  };
  const run = (engine: DenseEngine) => timed<TopSvd>(() => randomizedSvd(W, engine, { k: 64, gaussian: gaussian() }));
  const cpuEngine = new OrtDenseEngine('cpu');
  try {
    const cpu = await run(cpuEngine);
    console.log(`\ntop-64 randomized SVD of a ${HIDDEN}×${FFN} weight (l = 74, 2 power iterations, 6 probes)`);
    console.log(`  cpu (onnxruntime, float64)  ${cpu.seconds.toFixed(2)} s  σ̂1 = ${cpu.value.values[0].toFixed(3)}, ε̂ = ${cpu.value.residualBound.toFixed(3)}`);
    if (!provider || provider.device.device === 'cpu') return;
    await run(provider.engine); // First sessions and shader compilation, not timed.
    const gpu = await run(provider.engine);
    console.log(
      `  ${provider.device.device} (${provider.device.precision})  ${gpu.seconds.toFixed(2)} s  σ̂1 = ${gpu.value.values[0].toFixed(3)}, ε̂ = ${gpu.value.residualBound.toFixed(3)}; cpu/${provider.device.device} ${(cpu.seconds / gpu.seconds).toFixed(1)}×, max σ drift ${sigmaDrift(gpu.value.values, cpu.value.values).toExponential(1)}·σ̂1`,
    );
  } finally {
    await cpuEngine.dispose();
  }
}

/** Writes `layers` layers of Llama-3-8B-shaped BF16 weights and a PEFT r = 16 adapter on every module. */
async function generateBase(dir: string, layers: number): Promise<number> {
  await mkdir(join(dir, 'adapter'), { recursive: true });
  const specs = Array.from({ length: layers }, (_, l) =>
    MODULES.map(([name, rows, cols]) => ({ name: `model.layers.${l}.${name}.weight`, dtype: 'BF16' as const, shape: [rows, cols] })),
  ).flat();
  const next = bf16Source(0x0badf00d);
  const chunk = new Uint16Array(1 << 22);
  await writeSafetensorsAtomic(
    join(dir, 'model.safetensors'),
    specs,
    null,
    async (i, write) => {
      const total = specs[i].shape[0] * specs[i].shape[1];
      for (let done = 0; done < total; done += chunk.length) {
        const n = Math.min(chunk.length, total - done);
        for (let j = 0; j < n; j++) chunk[j] = next();
        await write(new Uint8Array(chunk.buffer, 0, n * 2));
      }
    },
    { overwrite: true },
  );
  const small = bf16Source(0x5eed);
  const f32 = (count: number) => encodeFloat32(Array.from({ length: count }, () => ((small() & 0xff) - 128) / 12800));
  const tensors = Array.from({ length: layers }, (_, l) =>
    MODULES.flatMap(([name, rows, cols]) => [
      { name: `base_model.model.model.layers.${l}.${name}.lora_A.weight`, dtype: 'F32' as const, shape: [R, cols], data: f32(R * cols) },
      { name: `base_model.model.model.layers.${l}.${name}.lora_B.weight`, dtype: 'F32' as const, shape: [rows, R], data: f32(rows * R) },
    ]),
  ).flat();
  await writeFile(join(dir, 'adapter', 'adapter_model.safetensors'), encodeSafetensors(tensors));
  const targets = MODULES.map(([name]) => name.split('.')[1]);
  await writeFile(join(dir, 'adapter', 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: R, lora_alpha: 2 * R, target_modules: targets }));
  return specs.reduce((sum, s) => sum + s.shape[0] * s.shape[1] * 2, 0);
}

async function baseBench(dir: string, layers: number, provider: { engine: DenseEngine; device: DenseDevice } | null): Promise<void> {
  const bytes = await generateBase(dir, layers);
  console.log(`\n--base analysis: ${layers} layer(s) × 7 Llama-3-8B modules, ${(bytes / 1e9).toFixed(2)} GB BF16 base, PEFT r = ${R} (k = 10, K = 20, read + decode included)`);
  const analyse = async (engine: DenseEngine) => {
    const opened = await openAdapter(join(dir, 'adapter'));
    const base = await BaseModel.open(dir);
    try {
      return await timed(() => analyzeAgainstBase(opened, base, engine, { k: 10 }));
    } finally {
      await opened.file.close();
      await base.close();
    }
  };
  const cpuEngine = new OrtDenseEngine('cpu');
  try {
    const cpu = await analyse(cpuEngine);
    console.log(`  cpu (onnxruntime, float64)  ${cpu.seconds.toFixed(1)} s (${(cpu.seconds / (7 * layers)).toFixed(2)} s a module)`);
    if (!provider || provider.device.device === 'cpu') return;
    const gpu = await analyse(provider.engine);
    console.log(
      `  ${provider.device.device} (${provider.device.precision})  ${gpu.seconds.toFixed(1)} s (${(gpu.seconds / (7 * layers)).toFixed(2)} s a module); cpu/${provider.device.device} ${(cpu.seconds / gpu.seconds).toFixed(1)}×`,
    );
  } finally {
    await cpuEngine.dispose();
  }
}

async function main(): Promise<void> {
  const requested = option('--device') ?? 'auto';
  if (!(DEVICE_CHOICES as readonly string[]).includes(requested)) throw new Error(`--device is ${DEVICE_CHOICES.join(', ')}`);
  const layers = Number(option('--layers') ?? 1);
  if (!Number.isInteger(layers) || layers < 1 || layers > 32) throw new Error('--layers is 1 to 32');
  console.log(`# npm run bench:device -- --device ${requested} — ${new Date().toISOString().slice(0, 16)}Z, ${availableParallelism()} cores, node ${process.version}`);
  let provider: { engine: DenseEngine; device: DenseDevice } | null = null;
  try {
    provider = await openDenseEngine({ backend: 'onnxruntime', device: requested as DeviceChoice }, denseEnvironment());
    console.log(`provider: ${describeDenseDevice(provider.device)}`);
    if (provider.device.device === 'cpu') console.log('  (no GPU provider ran: only the CPU is timed)');
  } catch (error) {
    console.log(`provider: ${(error as Error).message}; only the CPU is timed`);
  }
  const dir = join(tmpdir(), 'lora-lens-bench', 'device');
  try {
    await svdBench(provider);
    if (!process.argv.includes('--no-base')) await baseBench(dir, layers, provider);
  } finally {
    await provider?.engine.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
