import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobClient } from '../src/core/jobs/client';
import { ensureAdapter, LLAMA3_8B_R16 } from './generate';

/**
 * `npm run build && npm run build:test && node out/bench/startup.bench.js [--runs N] [--baseline OTHER/dist/cli.js] [--realtime]`: what a user waits for, whole processes from the
 * shell, on a Llama-3-8B-size r16 BF16 adapter (84 MB), all in one run so the ratios share the
 * machine's load: the floors (`node -e ''`, `python3 -c ''`, `import numpy`, reading the
 * file), the numpy peer's whole script, `lora-lens inspect --json` on each backend, `compare`
 * of two such adapters; then, in this process, the editor's path: the time from asking for an
 * analysis to its first module's spectrum, on a cold worker and on a warmed one. Runs go round
 * robin and the median is kept; CPU seconds (user + sys, from /usr/bin/time when present) say
 * what the work costs whatever the load. The load average is printed before and after.
 * A baseline build copied outside the checkout finds onnxruntime-node through NODE_PATH (this
 * checkout's node_modules), so it is timed on the backend it would pick. `--realtime` runs every
 * process under the real-time FIFO scheduler (`chrt -f`, which needs the privilege to), so that
 * on a machine shared with other work the wall times approach a quiet machine's; every case is
 * run the same way, numpy's included.
 */

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const CHILD = join(__dirname, 'child.js');
const PEER = join(ROOT, 'bench', 'peer_numpy.py');
const ANALYSIS_WORKER = join(__dirname, '..', 'src', 'core', 'jobs', 'analysisWorker.js');
const ORT_WORKER = join(__dirname, '..', 'src', 'core', 'compute', 'worker', 'ortWorker.js');
const TIME = '/usr/bin/time';
const CHRT = '/usr/bin/chrt';
/** Set by --realtime: every timed process runs under SCHED_FIFO at this priority. */
let realtime = false;

interface Sample {
  readonly wall: number;
  /** user + sys of the process and its threads, when /usr/bin/time is present. */
  readonly cpu: number | null;
}

/** One whole process, from spawn to exit. */
function once(command: string, args: readonly string[], env?: Readonly<Record<string, string>>): Sample {
  const dir = mkdtempSync(join(tmpdir(), 'lora-lens-startup-'));
  const timeFile = join(dir, 'time');
  const timed = existsSync(TIME);
  const started = performance.now();
  const [program, argv] = realtime ? [CHRT, ['-f', '10', command, ...args]] : [command, args];
  const r = timed
    ? spawnSync(TIME, ['-o', timeFile, '-f', '%U %S', program, ...argv], { encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, ...env } })
    : spawnSync(program, argv, { encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, ...env } });
  const wall = (performance.now() - started) / 1000;
  try {
    if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
    if (!timed) return { wall, cpu: null };
    const [user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    return { wall, cpu: user + sys };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const s = [...values].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Seconds from asking the worker for an analysis to its first module's result. */
async function firstSpectrum(client: JobClient, path: string): Promise<{ first: number; all: number }> {
  const started = performance.now();
  let first = Number.NaN;
  await client.run(
    'analyze',
    { path, options: { backend: 'auto', device: 'cpu' } },
    { onProgress: () => (first = Number.isNaN(first) ? (performance.now() - started) / 1000 : first) },
  );
  return { first, all: (performance.now() - started) / 1000 };
}

async function editorPath(path: string): Promise<{ cold: number; warm: number; warmUp: number }> {
  const cold = new JobClient(ANALYSIS_WORKER, ORT_WORKER);
  const coldRun = await firstSpectrum(cold, path);
  await cold.dispose();
  const warm = new JobClient(ANALYSIS_WORKER, ORT_WORKER);
  const started = performance.now();
  await warm.run('warm', { ort: { backend: 'auto', device: 'cpu' } });
  const warmUp = (performance.now() - started) / 1000;
  const warmRun = await firstSpectrum(warm, path);
  await warm.dispose();
  return { cold: coldRun.first, warm: warmRun.first, warmUp };
}

async function main(argv: readonly string[]): Promise<void> {
  const runs = argv.includes('--runs') ? Number(argv[argv.indexOf('--runs') + 1]) : 5;
  // Another build's cli.js (an earlier commit's dist/), timed in the same rounds for a before/after.
  const baseline = argv.includes('--baseline') ? argv[argv.indexOf('--baseline') + 1] : undefined;
  realtime = argv.includes('--realtime');
  if (realtime && !existsSync(CHRT)) throw new Error(`--realtime needs ${CHRT}`);
  // A build outside the checkout resolves onnxruntime-node from here, or auto would silently be JS.
  const baselineEnv = { NODE_PATH: join(ROOT, 'node_modules') };
  const a = await ensureAdapter(LLAMA3_8B_R16);
  const b = await ensureAdapter(LLAMA3_8B_R16, 1);
  const cases: readonly {
    readonly name: string;
    readonly command: string;
    readonly args: readonly string[];
    readonly env?: Readonly<Record<string, string>>;
    /** Timed once, no warm-up pass: too slow on a loaded machine. */
    readonly once?: boolean;
  }[] = [
    { name: "node -e ''", command: process.execPath, args: ['-e', ''] },
    { name: "python3 -c ''", command: 'python3', args: ['-c', ''] },
    { name: 'python3 -c "import numpy"', command: 'python3', args: ['-c', 'import numpy'] },
    { name: 'read floor (node, whole process)', command: process.execPath, args: [CHILD, 'read', a.file] },
    { name: 'numpy peer, whole script', command: 'python3', args: [PEER, a.dir], once: true },
    // OpenBLAS's threads spin while they wait: on a loaded machine one thread is the fairer peer,
    // and the default is timed once (it took minutes a run with 8 processes on 2 cores).
    { name: 'numpy peer, OPENBLAS_NUM_THREADS=1', command: 'python3', args: [PEER, a.dir], env: { OPENBLAS_NUM_THREADS: '1' } },
    { name: 'inspect --json (auto)', command: process.execPath, args: [CLI, 'inspect', a.dir, '--json', '--quiet'] },
    { name: 'inspect --json --backend js', command: process.execPath, args: [CLI, 'inspect', a.dir, '--json', '--quiet', '--backend', 'js'] },
    { name: 'inspect --json --backend onnxruntime', command: process.execPath, args: [CLI, 'inspect', a.dir, '--json', '--quiet', '--backend', 'onnxruntime', '--device', 'cpu'] },
    { name: 'compare A B --json', command: process.execPath, args: [CLI, 'compare', a.dir, b.dir, '--json', '--quiet'] },
    ...(baseline
      ? [
          { name: 'baseline: inspect --json (auto)', command: process.execPath, args: [baseline, 'inspect', a.dir, '--json', '--quiet'], env: baselineEnv },
          {
            name: 'baseline: inspect --json onnxruntime',
            command: process.execPath,
            args: [baseline, 'inspect', a.dir, '--json', '--quiet', '--backend', 'onnxruntime', '--device', 'cpu'],
            env: baselineEnv,
          },
          { name: 'baseline: compare A B --json', command: process.execPath, args: [baseline, 'compare', a.dir, b.dir, '--json', '--quiet'], env: baselineEnv },
        ]
      : []),
  ];
  const before = loadavg();
  // One warm-up pass: the page cache and the binaries, so every measured run reads from memory.
  for (const c of cases) if (!c.once) once(c.command, c.args, c.env);
  const samples = cases.map(() => [] as Sample[]);
  for (let i = 0; i < runs; i++) cases.forEach((c, k) => (i === 0 || !c.once ? samples[k].push(once(c.command, c.args, c.env)) : undefined));
  const editor = await editorPath(a.dir);
  const after = loadavg();

  console.log(
    `whole processes on ${LLAMA3_8B_R16.name}${realtime ? ', every process at real-time priority' : ''} (${(a.bytes / 1e6).toFixed(1)} MB BF16), median of ${runs} round-robin runs (numpy with its default threads: one run)`,
  );
  console.log(`load average before ${before.map((x) => x.toFixed(2)).join(' ')}, after ${after.map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`${'case'.padEnd(40)}${'wall s'.padStart(9)}${'cpu s'.padStart(9)}`);
  const wall = new Map<string, number>();
  const cpu = new Map<string, number | null>();
  cases.forEach((c, k) => {
    const w = median(samples[k].map((s) => s.wall));
    const cpus = samples[k].map((s) => s.cpu).filter((x): x is number => x !== null);
    const u = cpus.length > 0 ? median(cpus) : null;
    wall.set(c.name, w);
    cpu.set(c.name, u);
    console.log(`${c.name.padEnd(40)}${w.toFixed(3).padStart(9)}${(u === null ? '-' : u.toFixed(3)).padStart(9)}`);
  });
  const ratio = (x: string, y: string): string => {
    const w = (wall.get(x)! / wall.get(y)!).toFixed(2);
    const cx = cpu.get(x);
    const cy = cpu.get(y);
    return cx && cy ? `${w} wall, ${(cx / cy).toFixed(2)} cpu` : `${w} wall`;
  };
  console.log('\nratios');
  console.log(`  inspect (auto) / numpy whole script     ${ratio('inspect --json (auto)', 'numpy peer, whole script')}`);
  console.log(`  inspect (auto) / numpy, one BLAS thread  ${ratio('inspect --json (auto)', 'numpy peer, OPENBLAS_NUM_THREADS=1')}`);
  console.log(`  inspect onnxruntime / numpy whole script ${ratio('inspect --json --backend onnxruntime', 'numpy peer, whole script')}`);
  console.log(`  inspect onnxruntime / numpy, one BLAS thread ${ratio('inspect --json --backend onnxruntime', 'numpy peer, OPENBLAS_NUM_THREADS=1')}`);
  console.log(`  compare / inspect (one analysis)        ${ratio('compare A B --json', 'inspect --json (auto)')}`);
  console.log(`  inspect (auto) / read floor             ${ratio('inspect --json (auto)', 'read floor (node, whole process)')}`);
  console.log(`  inspect (auto) / node -e ''             ${ratio('inspect --json (auto)', "node -e ''")}`);
  const auto = wall.get('inspect --json (auto)')!;
  const numpy = Math.min(wall.get('numpy peer, whole script')!, wall.get('numpy peer, OPENBLAS_NUM_THREADS=1')!);
  console.log(
    `  target (≤ 0.5 s and no slower than numpy's faster whole script): inspect (auto) ${auto.toFixed(3)} s, numpy ${numpy.toFixed(3)} s: ${auto <= 0.5 && auto <= numpy ? 'met' : 'not met'}`,
  );
  console.log(`  target compare ≤ 1.5× one analysis: ${(wall.get('compare A B --json')! / auto).toFixed(2)}×`);
  if (baseline) {
    console.log(`  inspect (auto) / baseline               ${ratio('inspect --json (auto)', 'baseline: inspect --json (auto)')}`);
    console.log(`  inspect onnxruntime / baseline          ${ratio('inspect --json --backend onnxruntime', 'baseline: inspect --json onnxruntime')}`);
    console.log(`  compare / baseline                      ${ratio('compare A B --json', 'baseline: compare A B --json')}`);
    console.log(`  baseline compare / baseline inspect     ${ratio('baseline: compare A B --json', 'baseline: inspect --json (auto)')}`);
  }
  console.log('\neditor path (analysis worker, auto on cpu), one run each');
  console.log(`  first spectrum, cold worker    ${editor.cold.toFixed(3)} s`);
  console.log(`  warm-up job answered           ${editor.warmUp.toFixed(3)} s`);
  console.log(`  first spectrum, warmed worker  ${editor.warm.toFixed(3)} s`);
}

void main(process.argv.slice(2));
