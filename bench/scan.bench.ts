import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { copyFile, mkdir, open, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAdapter, LLAMA3_8B_R16 } from './generate';

/**
 * `node out/bench/scan.bench.js [--count N]` (after `npm run build` and `npm run build:test`):
 * `lora-lens scan` of a folder of N Llama-3-8B-size r16 adapters (default 200, the issue's
 * target: 17 GB of distinct files; pass a smaller N where disk or time is short, and the scale
 * is printed) as a user runs it, whole process, against the read floor: reading the same bytes
 * in 16 MB reads in this process. Also two shards (--shard 1/2, 2/2) run at once as two
 * processes and merged, and the adapters/s of a scan of the demo zoo (make-zoo's 48). Times are
 * wall-clock, each ratio measured in this one run; the files are read once before timing, so
 * floor and scans alike read from the page cache where it holds them. Beside them, on Linux, the
 * CPU seconds the scan processes used (their threads included), which other load on the machine
 * inflates far less than their wall-clock time.
 */
const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const ROOT = join(tmpdir(), 'lora-lens-bench');
const TARGET_COUNT = 200;

async function main(argv: string[]): Promise<void> {
  const at = argv.indexOf('--count');
  const count = at >= 0 ? Number(argv[at + 1]) : TARGET_COUNT;
  if (!Number.isSafeInteger(count) || count < 1 || count > 1000) throw new Error('--count takes a whole number from 1 to 1000');
  const zoo = join(ROOT, `scan-zoo-${count}`);
  const files = await makeZoo(zoo, count);
  const bytes = await readAll(files);
  const floor = Math.min(
    seconds(() => readFloor(files)),
    seconds(() => readFloor(files)),
  );
  const out = join(ROOT, 'scan-out');
  await rm(out, { recursive: true, force: true });
  await mkdir(out);
  const cpuBefore = childCpuSeconds();
  const whole = seconds(() => cli('scan', zoo, '--out', join(out, 'whole.csv'), '--quiet'));
  const wholeCpu = childCpuSeconds() - cpuBefore;
  const started = performance.now();
  await Promise.all(['1/2', '2/2'].map((shard) => cliAsync('scan', zoo, '--out', join(out, 'features.csv'), '--shard', shard, '--quiet')));
  const sharded = (performance.now() - started) / 1000;
  const merge = seconds(() => cli('scan-merge', join(out, 'merged.csv'), out));
  const demo = await demoZoo();
  const demoSeconds = seconds(() => cli('scan', demo.dir, '--out', join(out, 'demo.csv'), '--quiet'));

  const scale = count === TARGET_COUNT ? '' : ` (scaled down from the target's ${TARGET_COUNT}: ${((TARGET_COUNT * bytes) / count / 1e9).toFixed(1)} GB)`;
  console.log(`LoRA Lens scan benchmark · node ${process.version} · ${count} ${LLAMA3_8B_R16.name} adapters, ${(bytes / 1e9).toFixed(2)} GB${scale}`);
  console.log(`  read floor (same bytes)     ${floor.toFixed(2)} s   ${(bytes / 1e9 / floor).toFixed(2)} GB/s`);
  console.log(`  scan, one process          ${whole.toFixed(2)} s   ${(count / whole).toFixed(2)} adapters/s   ${(whole / floor).toFixed(1)}× the floor (target ≤ 3×)`);
  console.log(`    its CPU time             ${wholeCpu.toFixed(2)} s   ${(wholeCpu / count).toFixed(2)} s per adapter   ${(wholeCpu / floor).toFixed(1)}× the floor's wall time`);
  console.log(
    `  scan, 2 shards at once     ${sharded.toFixed(2)} s   ${(count / sharded).toFixed(2)} adapters/s   ${(sharded / floor).toFixed(1)}× the floor; merge ${merge.toFixed(2)} s`,
  );
  console.log(`  demo zoo (${demo.count} adapters)      ${demoSeconds.toFixed(2)} s   ${(demo.count / demoSeconds).toFixed(1)} adapters/s whole process`);
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

/** The demo zoo (make-zoo's default 48 adapters), made once and kept. */
async function demoZoo(): Promise<{ dir: string; count: number }> {
  const dir = join(ROOT, 'demo-zoo');
  const present = await readdir(dir).catch(() => [] as string[]);
  if (!present.includes('zoo.json')) cli('make-zoo', dir, '--force', '--quiet');
  return { dir, count: (await readdir(dir)).filter((n) => n.startsWith('adapter-')).length };
}

/** Reads every file once (to warm the page cache); their total size. */
async function readAll(files: readonly string[]): Promise<number> {
  let total = 0;
  const buffer = new Uint8Array(16 * 1024 * 1024);
  for (const file of files) {
    const handle = await open(file, 'r');
    for (let at = 0; ;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, at);
      if (bytesRead === 0) break;
      at += bytesRead;
      total += bytesRead;
    }
    await handle.close();
  }
  return total;
}

/** The floor: every byte of `files` once more, 16 MB reads, nothing else. */
function readFloor(files: readonly string[]): void {
  const buffer = new Uint8Array(16 * 1024 * 1024);
  for (const file of files) {
    const fd = openSync(file, 'r');
    while (readSync(fd, buffer, 0, buffer.length, null) > 0);
    closeSync(fd);
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

/** Wall-clock seconds of `run`. */
function seconds(run: () => void): number {
  const started = performance.now();
  run();
  return (performance.now() - started) / 1000;
}

function cli(...args: string[]): void {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`lora-lens ${args[0]} failed (${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
}

/** One CLI process that others may run beside; resolves when it exits with 0. */
function cliAsync(...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'inherit'] }).on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`lora-lens ${args.join(' ')} exited with ${code}`)),
    );
  });
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
