import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAdapter } from '../src/core/adapter/load';
import { analyzeAgainstBase } from '../src/core/base/analyzeBase';
import { BaseModel } from '../src/core/base/baseModel';
import { JsDenseEngine, type DenseEngine } from '../src/core/compute/dense';
import { OrtDenseEngine } from '../src/core/compute/ort/ortDense';
import { encodeFloat32 } from '../src/core/safetensors/encode';
import { encodeSafetensors, writeSafetensorsAtomic } from '../src/core/safetensors/writer';

/**
 * `npm run bench:base [-- --modules N] [--backend ort|js] [--device auto|cuda|cpu] [--python PATH]`:
 * per-module base-model analysis (top-2k SVD of W0, alignment, amplification, intruders via the
 * top-k SVD of the unformed W0 + ΔW, CondLoRA conversion) for 4096×4096 BF16 base weights and a
 * PEFT r = 16 adapter, against the peer a tool without a randomized method pays: LAPACK's dense
 * SVD (numpy gesdd, bench/peer_numpy.py --dense-svd) of W0 and of W0 + ΔW, two per module. The
 * peer runs at 1024 and 2048 only and is extrapolated ×(4096/N)³ (labelled as such): a 4096 dense
 * SVD on this shared 2-core machine would take minutes and its timing would drift the most.
 * Base weights are i.i.d. (a flat spectrum: the hard case for randomized SVD, whose vectors are then
 * not resolved; the intruder count is reported with how many are undetermined).
 */
const N = 4096;
const R = 16;
const PEER = join(__dirname, '..', '..', 'bench', 'peer_numpy.py');

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/**
 * Writes the base (BF16 4096×4096 per module) and the adapter. `spiked` adds 20 rank-one spikes
 * s_j·u_j·v_jᵀ of 6 down to 2.2 times the bulk's edge 2τ√N to the i.i.d. bulk: a decaying top
 * spectrum with gaps, as trained weights have; without them the spectrum is flat.
 */
async function generate(dir: string, modules: number, spiked: boolean): Promise<void> {
  await mkdir(dir, { recursive: true });
  const names = Array.from({ length: modules }, (_, l) => `model.layers.${l}.self_attn.q_proj`);
  let state = 0x2468ace1;
  const xorshift = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state;
  };
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
  const row = new Float32Array(N);
  const bits = new Uint32Array(row.buffer);
  const out = new Uint16Array(N * 256);
  await writeSafetensorsAtomic(
    join(dir, 'model.safetensors'),
    names.map((n) => ({ name: `${n}.weight`, dtype: 'BF16' as const, shape: [N, N] })),
    null,
    async (_, write) => {
      const spikes = spiked ? 20 : 0;
      const u = Array.from({ length: spikes }, () => unit(gaussian));
      const v = Array.from({ length: spikes }, () => unit(gaussian));
      // Bulk entries: sign · 2^(e−127) · (1 + m/128), e ∈ 119…126: RMS τ ≈ 0.16.
      const edge = 2 * 0.16 * Math.sqrt(N);
      const s = Array.from({ length: spikes }, (_, j) => edge * (6 - 0.2 * j));
      for (let i = 0; i < N; i++) {
        for (let c = 0; c < N; c++) {
          const x = xorshift();
          bits[c] = ((((x >>> 16) & 0x8000) | ((119 + (x & 7)) << 7) | ((x >>> 3) & 0x7f)) << 16) >>> 0;
        }
        for (let j = 0; j < spikes; j++) {
          const w = s[j] * u[j][i];
          const vj = v[j];
          for (let c = 0; c < N; c++) row[c] += w * vj[c];
        }
        const at = (i % 256) * N;
        // float32 → BF16, rounding to nearest even.
        for (let c = 0; c < N; c++) out[at + c] = (bits[c] + 0x7fff + ((bits[c] >>> 16) & 1)) >>> 16;
        if (i % 256 === 255) await write(new Uint8Array(out.buffer));
      }
    },
    { overwrite: true },
  );
  const small = () => gaussian() * 0.01;
  const tensors = names.flatMap((n) => [
    { name: `base_model.model.${n}.lora_A.weight`, dtype: 'F32' as const, shape: [R, N], data: encodeFloat32(Array.from({ length: R * N }, small)) },
    { name: `base_model.model.${n}.lora_B.weight`, dtype: 'F32' as const, shape: [N, R], data: encodeFloat32(Array.from({ length: R * N }, small)) },
  ]);
  await mkdir(join(dir, 'adapter'), { recursive: true });
  await writeFile(join(dir, 'adapter', 'adapter_model.safetensors'), encodeSafetensors(tensors));
  await writeFile(join(dir, 'adapter', 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: R, lora_alpha: 2 * R, target_modules: ['q_proj'] }));
}

function unit(gaussian: () => number): Float64Array {
  const x = Float64Array.from({ length: N }, gaussian);
  const norm = Math.sqrt(x.reduce((a, b) => a + b * b, 0)) || 1;
  return x.map((y) => y / norm);
}

function peer(python: string, size: number): { seconds: number; blas: string } | null {
  const r = spawnSync(python, [PEER, '--dense-svd', String(size)], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const row = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { seconds: number; blas: string };
  return row;
}

async function analyse(dir: string, modules: number, spiked: boolean, engine: DenseEngine): Promise<number> {
  let started = performance.now();
  await generate(dir, modules, spiked);
  console.log(
    `\n${spiked ? 'spiked spectrum (20 spikes over an i.i.d. bulk)' : 'flat spectrum (i.i.d.)'}: generated in ${((performance.now() - started) / 1000).toFixed(1)} s (not timed)`,
  );
  const opened = await openAdapter(join(dir, 'adapter'));
  const base = await BaseModel.open(dir);
  const times: number[] = [];
  try {
    let last = performance.now();
    started = last;
    const result = await analyzeAgainstBase(opened, base, engine, {
      onModule: () => {
        const now = performance.now();
        times.push((now - last) / 1000);
        last = now;
      },
    });
    const total = (performance.now() - started) / 1000;
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    console.log(
      `  ours [${engine.name}]   ${median.toFixed(2)} s per module (median of ${times.length}; min ${sorted[0].toFixed(2)}, total ${total.toFixed(1)} s, read + decode included)`,
    );
    const first = result.modules[0];
    if (first.status === 'ok') {
      const i = first.intruders;
      console.log(
        `    module 0: σ̂1(W0) = ${first.baseValues[0].toFixed(1)}, σ̂20 = ${first.baseValues[19].toFixed(1)}, residual bound ε̂ = ${first.baseResidualBound.toFixed(1)}; align ${first.alignment.meanCosine.toFixed(3)}, amplification ${first.alignment.amplification.toFixed(2)}; intruders ${i.count}/${i.k}, ${i.uncertain} undetermined (largest sin θ bound: W0's top 10 ${Math.max(...i.baseVectorErrors.subarray(0, 10)).toFixed(3)}, all 20 ${Math.max(...i.baseVectorErrors).toFixed(3)}, W0 + ΔW ${Math.max(...i.vectorErrors).toFixed(3)}); C by ${first.conversion.method}`,
      );
    }
    return median;
  } finally {
    await opened.file.close();
    await base.close();
  }
}

async function main(): Promise<void> {
  const modules = Number(option('--modules') ?? 4);
  const backend = option('--backend') ?? 'ort';
  const python = option('--python') ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  const dir = join(tmpdir(), 'lora-lens-bench', 'base-4096');
  console.log(`base-model analysis per module: ${N}×${N} BF16 base weights, r = ${R} PEFT adapter, ${modules} modules, k = 10, K = 20`);
  const device = option('--device');
  const engine: DenseEngine = backend === 'js' ? new JsDenseEngine() : new OrtDenseEngine(device === 'cuda' ? 'cuda' : device === 'auto' ? 'auto' : 'cpu');
  try {
    const spiked = await analyse(dir, modules, true, engine);
    const flat = await analyse(dir, modules, false, engine);
    console.log('');
    for (const size of [1024, 2048]) {
      const row = peer(python, size);
      if (!row) {
        console.log(`  dense SVD peer at ${size}: unavailable (needs python3-numpy)`);
        continue;
      }
      const extrapolated = 2 * row.seconds * (N / size) ** 3;
      console.log(
        `  peer: numpy dense SVD (gesdd, all vectors) at ${size} [${row.blas}] ${row.seconds.toFixed(2)} s measured → 2 per module (W0, W0 + ΔW) at ${N}: ${extrapolated.toFixed(1)} s, EXTRAPOLATED ×(${N}/${size})³ → peer/ours ${(extrapolated / spiked).toFixed(1)}× (spiked), ${(extrapolated / flat).toFixed(1)}× (flat)`,
      );
    }
  } finally {
    await engine.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
