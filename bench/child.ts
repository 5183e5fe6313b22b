import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { openAdapter } from '../src/core/adapter/load';
import { randomizedSvd } from '../src/core/analysis/randomizedSvd';
import type { TallFactor } from '../src/core/compute/backend';
import { productGraph } from '../src/core/compute/onnx/graphs';
import { blockGram } from '../src/core/compute/ort/ortGram';
import { OrtDenseEngine } from '../src/core/compute/ort/ortDense';
import { loadOrt, OrtSessions, type DeviceChoice } from '../src/core/compute/ort/runtime';
import { JobClient } from '../src/core/jobs/client';
import type { BackendChoice } from '../src/core/compute/worker/protocol';
import { buildReport } from '../src/core/report/report';
import { crossLayerMaps, type CrossLayerMaps } from '../src/core/subspace/crossLayer';
import { overviewOf } from '../src/host/payloads';
import { comparePhases } from './phases';

/**
 * One measurement in a process of its own, so its peak RSS is its own. Prints one JSON line.
 *   child.js read FILE                       the read floor: every byte of the file, 16 MB reads
 *   child.js header PATH                     header + layer table (and the editor's overview
 *                                            payload), from a cold start
 *   child.js analyze PATH BACKEND DEVICE [RUNS]  the full analysis in the worker, RUNS times
 *                                            (default 2: a cold job and a warm one), with the
 *                                            host's event-loop delay; `warm` is the median of the
 *                                            warm jobs
 *   child.js compare PATH_A PATH_B [RUNS]    compare two adapters in the worker, as analyze
 *   child.js crossLayer PATH [RUNS]          the cross-layer maps of one adapter in the worker, as analyze
 *   child.js crossLayerJs PATH               the same maps on this thread without a backend (the
 *                                            float64 TypeScript bases), once
 *   child.js phases PATH_A PATH_B            where a comparison's time goes: each phase alone
 *                                            on this thread (CPU seconds), beside the analysis's
 *   child.js matmul DEVICE N                 ORT's float64 rate on an N×N·N×N product
 *   child.js gram DEVICE THREADS             the Grams of the 70B adapter's largest factors (four
 *                                            tall, four wide, float32) with THREADS intra-op threads
 *   child.js rsvd DEVICE N K                 top-K randomized SVD of an N×N float32 matrix
 */
const WORKER = join(__dirname, '..', 'src', 'core', 'jobs', 'analysisWorker.js');
const ORT_WORKER = join(__dirname, '..', 'src', 'core', 'compute', 'worker', 'ortWorker.js');

async function main(argv: string[]): Promise<void> {
  const [mode, ...rest] = argv;
  switch (mode) {
    case 'read':
      return readFloor(rest[0]);
    case 'header':
      return header(rest[0]);
    case 'analyze':
      return analyze(rest[0], rest[1] as BackendChoice, rest[2] as DeviceChoice, Number(rest[3] ?? 2));
    case 'compare':
      return compare(rest[0], rest[1], Number(rest[2] ?? 2));
    case 'crossLayer':
      return crossLayer(rest[0], Number(rest[1] ?? 2));
    case 'crossLayerJs':
      return crossLayerJs(rest[0]);
    case 'phases':
      return emit(await comparePhases(rest[0], rest[1]));
    case 'matmul':
      return matmul(rest[0] as DeviceChoice, Number(rest[1]));
    case 'gram':
      return gramStack(rest[0] as DeviceChoice, Number(rest[1]));
    case 'rsvd':
      return rsvd(rest[0] as DeviceChoice, Number(rest[1]), Number(rest[2]));
    default:
      throw new Error(`unknown mode ${mode}`);
  }
}

async function readFloor(file: string): Promise<void> {
  const started = performance.now();
  const handle = await open(file, 'r');
  const buffer = new Uint8Array(16 * 1024 * 1024);
  let total = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, total);
    if (bytesRead === 0) break;
    total += bytesRead;
  }
  await handle.close();
  emit({ seconds: (performance.now() - started) / 1000, bytes: total });
}

async function header(path: string): Promise<void> {
  const started = performance.now();
  const opened = await openAdapter(path);
  const table = buildReport(opened.adapter, null);
  const headerSeconds = (performance.now() - started) / 1000;
  // What the editor posts before any analysis: the overview payload, and its structured clone
  // (the cost of postMessage to the webview).
  const overview = overviewOf(opened.adapter, (await stat(opened.adapter.file)).size);
  structuredClone(overview);
  const overviewSeconds = (performance.now() - started) / 1000;
  await opened.file.close();
  emit({ headerSeconds, overviewSeconds, modules: table.modules.length });
}

async function analyze(path: string, backend: BackendChoice, device: DeviceChoice, count: number): Promise<void> {
  const opened = await openAdapter(path);
  await opened.file.close();
  // The products the one-pass route performs: one d×r Gram per factor, 2·d·r² FLOPs as MatMul
  // counts them (the second CholeskyQR pass, where a factor needs it, is not in the floor).
  let productFlops = 0;
  // Σ(m+n)·r²: the symmetric Grams' FLOPs, the issue's floor at the dgemm rate.
  let gramFlops = 0;
  let largestFactorBytes = 0;
  for (const m of opened.adapter.modules) {
    productFlops += 2 * (m.shape[0] + m.shape[1]) * m.rank * m.rank;
    gramFlops += (m.shape[0] + m.shape[1]) * m.rank * m.rank;
    largestFactorBytes = Math.max(largestFactorBytes, (m.shape[0] + m.shape[1]) * m.rank * 8);
  }
  const client = new JobClient(WORKER, ORT_WORKER);
  const runs: { seconds: number; maxDelayMs: number; sigmaSum: number }[] = [];
  let device_ = {};
  for (let i = 0; i < count; i++) {
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const started = performance.now();
    const { output: outcome } = await client.run('analyze', { path, options: { backend, device } });
    const seconds = (performance.now() - started) / 1000;
    delay.disable();
    let sigmaSum = 0;
    for (const m of outcome.modules) if (m.status === 'ok') for (const s of m.singularValues) sigmaSum += s;
    runs.push({ seconds, maxDelayMs: delay.max / 1e6, sigmaSum });
    device_ = outcome.device;
  }
  await client.dispose();
  const maxDelayMs = Math.max(...runs.map((r) => r.maxDelayMs));
  emit({
    cold: runs[0].seconds,
    warm: median(runs.slice(1).map((r) => r.seconds)),
    maxDelayMs,
    sigmaSum: runs[1].sigmaSum,
    device: device_,
    productFlops,
    gramFlops,
    largestFactorBytes,
  });
}

/** The median of the warm runs (the middle one, or the mean of the middle two). */
function median(values: readonly number[]): number {
  const s = [...values].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function compare(a: string, b: string, count: number): Promise<void> {
  const client = new JobClient(WORKER, ORT_WORKER);
  const seconds: number[] = [];
  let matched = 0;
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const { output: result } = await client.run('compare', { pathA: a, pathB: b });
    seconds.push((performance.now() - started) / 1000);
    matched = result.modules.length;
  }
  await client.dispose();
  emit({ cold: seconds[0], warm: median(seconds.slice(1)), matched });
}

async function crossLayer(path: string, count: number): Promise<void> {
  const client = new JobClient(WORKER, ORT_WORKER);
  const seconds: number[] = [];
  let maps: CrossLayerMaps | null = null;
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    maps = (await client.run('crossLayer', { path })).output;
    seconds.push((performance.now() - started) / 1000);
  }
  await client.dispose();
  emit({ cold: seconds[0], warm: median(seconds.slice(1)), ...mapsSummary(maps as CrossLayerMaps) });
}

async function crossLayerJs(path: string): Promise<void> {
  const opened = await openAdapter(path);
  const started = performance.now();
  const maps = await crossLayerMaps(opened);
  const seconds = (performance.now() - started) / 1000;
  await opened.file.close();
  emit({ seconds, ...mapsSummary(maps) });
}

/** Group count, and the sum of every finite map entry: equal sums say both routes drew the same maps. */
function mapsSummary(maps: CrossLayerMaps): { groups: number; checksum: number } {
  let checksum = 0;
  for (const g of maps.groups) for (const map of [g.column, g.row, g.cosine]) for (const x of map.data) if (Number.isFinite(x)) checksum += x;
  return { groups: maps.groups.length, checksum };
}

async function matmul(device: DeviceChoice, n: number): Promise<void> {
  const ort = loadOrt();
  const sessions = new OrtSessions(device);
  const a = new ort.Tensor(
    'float64',
    Float64Array.from({ length: n * n }, () => Math.random() - 0.5),
    [1, n, n],
  );
  const b = new ort.Tensor(
    'float64',
    Float64Array.from({ length: n * n }, () => Math.random() - 0.5),
    [1, n, n],
  );
  const graph = productGraph('double');
  await sessions.run(graph, { A: a, B: b });
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await sessions.run(graph, { A: a, B: b });
    best = Math.min(best, (performance.now() - started) / 1000);
  }
  emit({ gflops: (2 * n ** 3) / best / 1e9, provider: sessions.provider, threads: sessions.threads });
  await sessions.dispose();
}

/**
 * The spectrum route's heaviest Grams at a given thread count: the 70B adapter's largest
 * factors, four tall 28672×64 (gate/up B) and four wide 64×28672 (down A), float32, through
 * the route's per-factor block Gram (ortGram.ts). Best of 3, in wall and in CPU seconds (the
 * process's, every ORT thread included).
 */
async function gramStack(device: DeviceChoice, threads: number): Promise<void> {
  const sessions = new OrtSessions(device, threads);
  const [d, r] = [28672, 64];
  const factors: TallFactor[] = (['tall', 'wide'] as const).flatMap((layout) =>
    Array.from({ length: 4 }, () => ({ rows: d, cols: r, layout, values: Float32Array.from({ length: d * r }, () => Math.random() - 0.5) })),
  );
  const all = async () => {
    for (const f of factors) await blockGram(sessions, f);
  };
  await all();
  let best = Infinity;
  let bestCpu = Infinity;
  for (let i = 0; i < 3; i++) {
    const [started, cpu] = [performance.now(), process.cpuUsage()];
    await all();
    const used = process.cpuUsage(cpu);
    best = Math.min(best, (performance.now() - started) / 1000);
    bestCpu = Math.min(bestCpu, (used.user + used.system) / 1e6);
  }
  emit({ seconds: best, cpuSeconds: bestCpu, threads: sessions.threads, provider: sessions.provider });
  await sessions.dispose();
}

async function rsvd(device: DeviceChoice, n: number, k: number): Promise<void> {
  // A Gaussian matrix: a slowly decaying spectrum, the hard case for randomized methods.
  const values = new Float32Array(n * n);
  for (let i = 0; i < values.length; i++) values[i] = Math.random() - 0.5;
  const engine = new OrtDenseEngine(device);
  await randomizedSvd({ rows: 256, cols: 256, values: values.subarray(0, 256 * 256) }, engine, { k: 8 });
  const started = performance.now();
  const top = await randomizedSvd({ rows: n, cols: n, values }, engine, { k });
  const seconds = (performance.now() - started) / 1000;
  emit({ seconds, sigma1: top.values[0], residualBound: top.residualBound, provider: engine.sessions.provider });
  await engine.dispose();
}

function emit(values: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...values, peakRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
