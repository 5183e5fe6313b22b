import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { resizeAdapter, type ResizeOptions } from '../src/core/resize/resize';
import { bf16CodecLine } from './bf16Codec';
import { ensureAdapter, LLAMA3_70B_R64, LLAMA3_8B_R16, moduleShapes, type ModelShape } from './generate';

/**
 * `npm run bench:resize`: resizing the Llama-3-70B-size r64 adapter (BF16, 560 modules) to a
 * global budget of half its total rank, against
 * - the read floor: just reading every byte of the file (from the page cache);
 * - the peer: kohya's resize_lora.py route (merge ΔW = up·down densely in float32, full SVD,
 *   truncate) in numpy/LAPACK. It cannot finish at 70B size (days), so it is measured on square
 *   modules it can finish and extrapolated to every module of the adapter by the dense SVD's
 *   O(m·n·min(m, n)) cost, and labelled as extrapolated.
 * Ours runs in a fresh process (`child`), after the read floor has put the file in the page cache.
 *
 * `bench:resize -- whole [BASELINE_DIST]`: the command a user runs instead, `lora-lens resize` as
 * a whole process (start-up, both passes, hashing, writing) from dist/ (`npm run build` first), on
 * the 70B-size and the 8B-size adapter, with the read floor measured before each round; with a
 * baseline build (a copy of an earlier dist/) the two alternate, so that load from other work on
 * the machine falls on both alike. Wall, CPU (user + sys of every thread) and peak RSS come from
 * /usr/bin/time.
 */
const SELF = __filename;

function runJson(command: string, args: string[]): Record<string, number | string> {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, number | string>;
}

/** The ways ours runs: the TypeScript backend, onnxruntime on the calling thread (CPU), and in its worker thread (as the CLI and the editor run it). */
const RUNS: Readonly<Record<string, Pick<ResizeOptions, 'compute' | 'ortWorker'>>> = {
  js: { compute: { backend: 'js', device: 'cpu' } },
  ort: { compute: { backend: 'onnxruntime', device: 'cpu' } },
  'ort-worker': { compute: { backend: 'onnxruntime', device: 'cpu' }, ortWorker: join(__dirname, '..', 'src', 'core', 'compute', 'worker', 'ortWorker.js') },
};

async function child(dir: string, total: number, run: string): Promise<void> {
  const output = join(tmpdir(), 'lora-lens-bench', 'resized-70b');
  await rm(output, { recursive: true, force: true });
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const result = await resizeAdapter({ input: dir, output, method: { kind: 'budget', unit: 'rank', total }, format: 'same', ...RUNS[run] });
  const seconds = (performance.now() - started) / 1000;
  // The whole process's CPU (every thread: the hashing thread, onnxruntime's and its worker's),
  // which load from other work on the machine inflates far less than wall-clock time.
  const cpu = process.cpuUsage(cpuStarted);
  await rm(output, { recursive: true, force: true });
  const { plan } = result;
  console.log(
    JSON.stringify({
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      backend: result.backend,
      paramsBefore: plan.paramsBefore,
      paramsAfter: plan.paramsAfter,
      error: plan.overallRelativeError,
      peakRssMB: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

async function main(): Promise<void> {
  const model = LLAMA3_70B_R64;
  const { dir, file, bytes } = await ensureAdapter(model);
  const modules = moduleShapes(model);
  const total = (modules.length * model.rank) / 2;
  if (process.argv[2] === 'child') return child(dir, total, process.argv[3] ?? 'js');
  if (process.argv[2] === 'whole') return whole(process.argv[3]);
  console.log(
    `LoRA Lens resize benchmark · node ${process.version} · ${model.name} (${(bytes / 1e6).toFixed(1)} MB, ${modules.length} modules, rank ${model.rank}, BF16) → budget: total rank ${total}`,
  );
  const floor = Math.min(...[0, 1, 2].map(() => Number(runJson(process.execPath, [join(__dirname, 'child.js'), 'read', file]).seconds)));
  console.log(`  read floor                 ${floor.toFixed(3)} s`);
  console.log(bf16CodecLine());
  let seconds = Infinity;
  for (const run of Object.keys(RUNS)) {
    const ours = runJson(process.execPath, [SELF, 'child', run]);
    const label = `ours (resize, ${ours.backend}${run === 'ort-worker' ? ', worker' : ''})`.padEnd(40);
    console.log(
      `  ${label} ${Number(ours.seconds).toFixed(3)} s = ${(Number(ours.seconds) / floor).toFixed(1)}× read floor (CPU ${Number(ours.cpuSeconds).toFixed(2)} s)   params ${ours.paramsBefore} → ${ours.paramsAfter}, overall relative error ${Number(ours.error).toExponential(3)}, peak RSS ${Number(ours.peakRssMB).toFixed(0)} MB`,
    );
    seconds = Math.min(seconds, Number(ours.seconds));
  }
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  // Dense cost of every module of the adapter, in units of one size×size×size SVD.
  const cost = modules.reduce((a, m) => a + m.out * m.in * Math.min(m.out, m.in), 0);
  for (const size of [1024, 2048]) {
    let peer: Record<string, number | string>;
    try {
      peer = runJson(python, [join(__dirname, '..', '..', 'bench', 'peer_resize.py'), String(size), String(size), String(model.rank), String(model.rank / 2)]);
    } catch (error) {
      console.log(`  kohya dense peer unavailable (${(error as Error).message}); install python3-numpy to compare`);
      return;
    }
    const factor = cost / size ** 3;
    const extrapolated = Number(peer.seconds) * factor;
    console.log(
      `  kohya dense peer at ${size}²   ${Number(peer.seconds).toFixed(3)} s measured for one ${size}×${size} module → ${(extrapolated / 3600).toFixed(1)} h for the adapter (extrapolated ×${factor.toFixed(0)} by Σ m·n·min(m, n)) → peer / ours (fastest) = ${(extrapolated / seconds).toFixed(0)}×   [numpy ${peer.numpy} with ${peer.blas}]`,
    );
  }
}

/** Rounds of the whole-process comparison; each round runs every build once per adapter. */
const WHOLE_ROUNDS = 3;

async function whole(baseline: string | undefined): Promise<void> {
  const root = join(__dirname, '..', '..');
  const builds: [string, string][] = [['this build', join(root, 'dist')], ...(baseline ? [['baseline', baseline] as [string, string]] : [])];
  // A baseline copied out of the checkout still needs the checkout's onnxruntime-node.
  const env = { ...process.env, NODE_PATH: join(root, 'node_modules') };
  const cases: [ModelShape, string[]][] = [
    [LLAMA3_70B_R64, ['--method', 'budget-rank', '--param', String((moduleShapes(LLAMA3_70B_R64).length * LLAMA3_70B_R64.rank) / 2)]],
    [LLAMA3_8B_R16, ['--method', 'energy', '--param', '0.9']],
  ];
  for (const [model, method] of cases) {
    const { dir, file, bytes } = await ensureAdapter(model);
    console.log(`lora-lens resize ${method.join(' ')}, whole process, ${model.name} (${(bytes / 1e6).toFixed(0)} MB BF16) · load average ${loadAverage()}`);
    for (let round = 0; round < WHOLE_ROUNDS; round++) {
      const floor = Number(runJson(process.execPath, [join(__dirname, 'child.js'), 'read', file]).seconds);
      // The order flips each round: a build that always ran second would always find the cache warmer.
      const cells = (round % 2 === 0 ? builds : [...builds].reverse()).map(([label, dist]) => {
        const output = join(tmpdir(), 'lora-lens-bench', `resized-whole-${model.name}`);
        spawnSync('rm', ['-rf', output]);
        const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, join(dist, 'cli.js'), 'resize', dir, '--out', output, ...method], {
          encoding: 'utf8',
          env,
          maxBuffer: 1 << 24,
        });
        spawnSync('rm', ['-rf', output]);
        const [wall, user, sys, rss] = (r.stderr.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
        if (r.status !== 0 || !Number.isFinite(wall)) throw new Error(`${label}: resize failed (${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
        return `${label} ${wall.toFixed(2)} s = ${(wall / floor).toFixed(0)}× floor, CPU ${(user + sys).toFixed(2)} s, RSS ${(rss / 1024).toFixed(0)} MB`;
      });
      console.log(`  round ${round + 1}: read floor ${floor.toFixed(3)} s · ${cells.join(' · ')} · load ${loadAverage()}`);
    }
  }
}

function loadAverage(): string {
  return loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
