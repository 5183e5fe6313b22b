import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { copyFile, mkdir, readdir, rm, symlink } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAdapter, LLAMA3_8B_R16 } from './generate';

/**
 * `node out/bench/scan.bench.js [--count N] [--rounds R] [--baseline OTHER/dist/cli.js]` (after
 * `npm run build` and `npm run build:test`): `lora-lens scan` of a folder of N Llama-3-8B-size
 * r16 adapters (default 200, the issue's target: 17 GB of distinct files; pass a smaller N where
 * disk or time is short, and the scale is printed) as a user runs it, whole process, against two
 * read floors of the same bytes (16 MB reads in this process, nothing else):
 *  - warm: every file in the page cache (read once before), the floor of a zoo read recently;
 *  - cold: each file's cached pages dropped first (posix_fadvise DONTNEED through `dd
 *    iflag=nocache`, which touches no other file's pages), the floor of a zoo on disk.
 * Each scan runs warm R times (default 2) and cold once, builds round-robin when a baseline is
 * given, so the two builds see the same load; beside wall-clock time, the CPU seconds of the scan
 * process (all its threads, from /proc on Linux), which other load inflates far less. Also two
 * shards (--shard 1/2, 2/2) run at once as two processes and merged, and the adapters/s of a scan
 * of the demo zoo (make-zoo's). The baseline must load onnxruntime-node as this build does (a
 * copied dist/ needs a node_modules beside it): the backend each build's inspect picks is printed.
 */
const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const ROOT = join(tmpdir(), 'lora-lens-bench');
const TARGET_COUNT = 200;

interface Build {
  readonly name: string;
  readonly cli: string;
}

interface Run {
  readonly wall: number;
  readonly cpu: number;
}

async function main(argv: string[]): Promise<void> {
  const count = option(argv, '--count', TARGET_COUNT, 1000);
  const rounds = option(argv, '--rounds', 2, 20);
  const baselineAt = argv.indexOf('--baseline');
  const builds: Build[] = [...(baselineAt >= 0 ? [{ name: 'baseline', cli: argv[baselineAt + 1] }] : []), { name: 'this build', cli: CLI }];
  const loadBefore = loadavg();
  const zoo = join(ROOT, `scan-zoo-${count}`);
  const files = await makeZoo(zoo, count);
  const backends = builds.map((b) => `${b.name}: ${backendOf(b.cli, join(zoo, 'adapter-000'))}`);
  const bytes = readFloor(files).bytes;
  const warmFloor = Math.min(readFloor(files).seconds, readFloor(files).seconds);
  const canEvict = evict(files);
  const coldFloor = canEvict ? readFloor(files).seconds : Number.NaN;
  const out = join(ROOT, 'scan-out');
  await rm(out, { recursive: true, force: true });
  await mkdir(out);

  const warm = builds.map(() => [] as Run[]);
  const cold = builds.map(() => [] as Run[]);
  for (let round = 0; round < rounds; round++)
    builds.forEach((b, k) => warm[k].push(measured(() => cli(b.cli, 'scan', zoo, '--out', join(out, 'whole.csv'), '--force', '--quiet'))));
  if (canEvict)
    builds.forEach((b, k) => {
      evict(files);
      cold[k].push(measured(() => cli(b.cli, 'scan', zoo, '--out', join(out, 'whole.csv'), '--force', '--quiet')));
    });
  readFloor(files);
  const sharded: Run[] = [];
  for (const b of builds) {
    await rm(out, { recursive: true, force: true });
    await mkdir(out);
    const cpuBefore = childCpuSeconds();
    const started = performance.now();
    await Promise.all(['1/2', '2/2'].map((shard) => cliAsync(b.cli, 'scan', zoo, '--out', join(out, 'features.csv'), '--shard', shard, '--quiet')));
    sharded.push({ wall: (performance.now() - started) / 1000, cpu: childCpuSeconds() - cpuBefore });
  }
  const merge = measured(() => cli(CLI, 'scan-merge', join(out, 'features.csv'), out));
  const demo = await demoZoo();
  const demoRuns = builds.map(() => [] as Run[]);
  for (let round = 0; round < Math.max(3, rounds); round++)
    builds.forEach((b, k) => demoRuns[k].push(measured(() => cli(b.cli, 'scan', demo.dir, '--out', join(out, 'demo.csv'), '--force', '--quiet'))));
  const loadAfter = loadavg();

  const scale = count === TARGET_COUNT ? '' : ` (scaled down from the target's ${TARGET_COUNT}: ${((TARGET_COUNT * bytes) / count / 1e9).toFixed(1)} GB)`;
  const gb = bytes / 1e9;
  console.log(`LoRA Lens scan benchmark · node ${process.version} · ${availableParallelism()} cores · ${count} ${LLAMA3_8B_R16.name} adapters, ${gb.toFixed(2)} GB${scale}`);
  console.log(`load average before ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${loadAfter.map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`backend of one adapter: ${backends.join('; ')}`);
  console.log(`  read floor, page cache (warm)   ${warmFloor.toFixed(2)} s   ${(gb / warmFloor).toFixed(2)} GB/s   ${((warmFloor / count) * 1000).toFixed(1)} ms per adapter`);
  console.log(
    canEvict
      ? `  read floor, from disk (cold)    ${coldFloor.toFixed(2)} s   ${(gb / coldFloor).toFixed(2)} GB/s   ${((coldFloor / count) * 1000).toFixed(1)} ms per adapter`
      : '  read floor, from disk (cold)    not measured (no dd iflag=nocache here to drop the cached pages)',
  );
  console.log(`median of ${rounds} warm runs (cold: one run); ratios to the floor of the same cache state (target ≤ 3×)`);
  builds.forEach((b, k) => {
    const w = medianRun(warm[k]);
    console.log(
      `  ${`scan, ${b.name}, warm`.padEnd(30)}${w.wall.toFixed(2).padStart(7)} s   ${(count / w.wall).toFixed(2)} adapters/s   ${(w.wall / warmFloor).toFixed(1)}× the floor   cpu ${w.cpu.toFixed(2)} s, ${(w.cpu / count).toFixed(3)} s per adapter`,
    );
    if (canEvict) {
      const c = cold[k][0];
      console.log(
        `  ${`scan, ${b.name}, cold`.padEnd(30)}${c.wall.toFixed(2).padStart(7)} s   ${(count / c.wall).toFixed(2)} adapters/s   ${(c.wall / coldFloor).toFixed(1)}× the floor   cpu ${c.cpu.toFixed(2)} s, ${(c.cpu / count).toFixed(3)} s per adapter`,
      );
    }
  });
  builds.forEach((b, k) => {
    const s = sharded[k];
    console.log(
      `  ${`2 shards at once, ${b.name}`.padEnd(30)}${s.wall.toFixed(2).padStart(7)} s   ${(count / s.wall).toFixed(2)} adapters/s   ${(s.wall / warmFloor).toFixed(1)}× the warm floor   cpu ${s.cpu.toFixed(2)} s`,
    );
  });
  console.log(`  merge of the 2 shards          ${merge.wall.toFixed(2)} s`);
  builds.forEach((b, k) => {
    const d = medianRun(demoRuns[k]);
    console.log(
      `  ${`demo zoo, ${b.name}`.padEnd(30)}${d.wall.toFixed(2).padStart(7)} s   ${(demo.count / d.wall).toFixed(1)} adapters/s whole process (${demo.count} adapters, median of ${demoRuns[k].length})   cpu ${d.cpu.toFixed(2)} s`,
    );
  });
}

function option(argv: readonly string[], name: string, fallback: number, most: number): number {
  const at = argv.indexOf(name);
  const value = at >= 0 ? Number(argv[at + 1]) : fallback;
  if (!Number.isSafeInteger(value) || value < 1 || value > most) throw new Error(`${name} takes a whole number from 1 to ${most}`);
  return value;
}

/** N adapter folders, each the config and a link to a distinct generated adapter file. */
async function makeZoo(zoo: string, count: number): Promise<string[]> {
  await mkdir(zoo, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const made = await ensureAdapter(LLAMA3_8B_R16, i);
    const dir = join(zoo, `adapter-${String(i).padStart(3, '0')}`);
    await mkdir(dir, { recursive: true });
    await copyFile(join(made.dir, 'adapter_config.json'), join(dir, 'adapter_config.json'));
    await symlink(made.file, join(dir, 'adapter_model.safetensors')).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    files.push(made.file);
  }
  return files;
}

/** The demo zoo (make-zoo's default), made once and kept. */
async function demoZoo(): Promise<{ dir: string; count: number }> {
  const dir = join(ROOT, 'demo-zoo');
  const present = await readdir(dir).catch(() => [] as string[]);
  if (!present.includes('zoo.json')) cli(CLI, 'make-zoo', dir, '--force', '--quiet');
  const names = await readdir(dir, { recursive: true });
  // make-zoo's adapters and their checkpoints: every folder that holds adapter weights.
  return { dir, count: names.filter((n) => n.endsWith('adapter_model.safetensors')).length };
}

/** The floor: every byte of `files` once, 16 MB reads, nothing else; its wall-clock seconds. */
function readFloor(files: readonly string[]): { seconds: number; bytes: number } {
  const buffer = new Uint8Array(16 * 1024 * 1024);
  const started = performance.now();
  let bytes = 0;
  for (const file of files) {
    const fd = openSync(file, 'r');
    for (let n = readSync(fd, buffer, 0, buffer.length, null); n > 0; n = readSync(fd, buffer, 0, buffer.length, null)) bytes += n;
    closeSync(fd);
  }
  return { seconds: (performance.now() - started) / 1000, bytes };
}

/**
 * Drops the page cache's copy of each file (GNU dd's iflag=nocache with count=0 advises the
 * kernel that the whole file is not needed, and touches no other file); false where that is not
 * available.
 */
function evict(files: readonly string[]): boolean {
  for (const file of files) {
    const r = spawnSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0'], { encoding: 'utf8' });
    if (r.status !== 0) return false;
  }
  return true;
}

/** The backend a build's `inspect --json` uses on one adapter (a baseline without onnxruntime shows here). */
function backendOf(cliPath: string, adapter: string): string {
  const r = spawnSync(process.execPath, [cliPath, 'inspect', adapter, '--json', '--quiet'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  try {
    return String((JSON.parse(r.stdout) as { backend?: unknown }).backend);
  } catch {
    return `unknown (inspect exited with ${r.status})`;
  }
}

/**
 * CPU seconds (user + system) of this process's children that have exited, from
 * /proc/self/stat (cutime, cstime, in the kernel's 100 Hz clock ticks); NaN off Linux.
 */
function childCpuSeconds(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of the line; the slice starts at field 3.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Wall-clock and children's CPU seconds of `run`. */
function measured(run: () => void): Run {
  const cpu = childCpuSeconds();
  const started = performance.now();
  run();
  return { wall: (performance.now() - started) / 1000, cpu: childCpuSeconds() - cpu };
}

function medianRun(runs: readonly Run[]): Run {
  const sorted = [...runs].sort((a, b) => a.wall - b.wall);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function cli(cliPath: string, ...args: string[]): void {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`lora-lens ${args[0]} failed (${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
}

/** One CLI process that others may run beside; resolves when it exits with 0. */
function cliAsync(cliPath: string, ...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'ignore', 'inherit'] }).on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`lora-lens ${args.join(' ')} exited with ${code}`)),
    );
  });
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
