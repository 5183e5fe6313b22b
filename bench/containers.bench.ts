import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureContainers, type ContainerName } from './containerFiles';
import { LLAMA3_8B_R16, type ModelShape } from './generate';

/**
 * `npm run bench:containers`: one ~1 GB PEFT LoRA adapter (Llama-3-8B shapes, rank 96, F32)
 * written as safetensors, as a torch.save zip checkpoint and as llama.cpp GGUF adapters (F32 and
 * Q8_0), each read by what the user runs: the whole `lora-lens inspect FILE --json` process,
 * its wall time and peak RSS. Ratios measured in this run: against safetensors (the peer path)
 * and against the floor, a child node process reading the same file's bytes once in 16 MB reads.
 * Every file is read once first so all runs read from the page cache.
 */

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const CHILD = join(__dirname, 'child.js');
const GNU_TIME = '/usr/bin/time';

/** Rank 96 in F32 makes the Llama-3-8B set of q/k/v/o/gate/up/down factors ~1.0 GB. */
const SHAPE: ModelShape = { ...LLAMA3_8B_R16, name: 'llama3-8b-r96-f32', rank: 96 };

interface Measured {
  readonly seconds: number;
  readonly peakMB: number;
  readonly stdout: string;
}

/**
 * Runs a command to its end: wall seconds and peak RSS. The peak comes from GNU time's
 * "Maximum resident set size" where /usr/bin/time is present, else from VmHWM in
 * /proc/PID/status, polled every 20 ms while it runs (the high-water mark only grows, so the
 * last value read is at most one poll short).
 */
async function measure(args: readonly string[]): Promise<Measured> {
  const viaTime = existsSync(GNU_TIME);
  const command = viaTime ? GNU_TIME : process.execPath;
  const argv = viaTime ? ['-v', process.execPath, ...args] : [...args];
  const started = performance.now();
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  let polledKB = 0;
  const poll = viaTime
    ? undefined
    : setInterval(() => {
        readFile(`/proc/${child.pid}/status`, 'utf8')
          .then((s) => (polledKB = Math.max(polledKB, Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0))))
          .catch(() => undefined);
      }, 20);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const seconds = (performance.now() - started) / 1000;
  if (poll) clearInterval(poll);
  if (code !== 0) throw new Error(`${args.join(' ')} failed (${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const timeKB = viaTime ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1] ?? NaN) : polledKB;
  return { seconds, peakMB: timeKB / 1024, stdout };
}

/** Modules the report lists and the sum of every module's σ₁: equal across containers when each read the same factors. */
function summary(json: string): { modules: number; sigma1Sum: number } {
  const report = JSON.parse(json) as { modules?: { singularValues?: number[] }[] };
  const modules = report.modules ?? [];
  return { modules: modules.length, sigma1Sum: modules.reduce((a, m) => a + (m.singularValues?.[0] ?? 0), 0) };
}

const pad = (s: string, n: number): string => s.padStart(n);

async function main(): Promise<void> {
  console.log(`generating ${SHAPE.name} (${SHAPE.layers} layers × 7 modules, rank ${SHAPE.rank}) in each container…`);
  const files = await ensureContainers(SHAPE);
  const rows: { name: ContainerName; bytes: number; floor: Measured; inspect: Measured; modules: number; sigma1Sum: number }[] = [];
  for (const name of Object.keys(files) as ContainerName[]) {
    const file = files[name];
    await measure([CHILD, 'read', file]); // into the page cache
    const floor = await measure([CHILD, 'read', file]);
    const inspect = await measure([CLI, 'inspect', file, '--json', '--quiet']);
    rows.push({ name, bytes: (await stat(file)).size, floor, inspect, ...summary(inspect.stdout) });
  }
  const peer = rows[0];
  console.log('\nwhole `lora-lens inspect FILE --json` process, one run each, page cache warm');
  console.log(
    `${'container'.padEnd(13)}${pad('file MB', 9)}${pad('modules', 9)}${pad('wall s', 8)}${pad('peak MB', 9)}${pad('vs st wall', 12)}${pad('vs floor', 10)}${pad('vs st RSS', 11)}${pad('floor s', 9)}${pad('floor MB', 10)}  Σσ₁`,
  );
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(13)}${pad((r.bytes / 1e6).toFixed(0), 9)}${pad(String(r.modules), 9)}${pad(r.inspect.seconds.toFixed(2), 8)}${pad(r.inspect.peakMB.toFixed(0), 9)}` +
        `${pad((r.inspect.seconds / peer.inspect.seconds).toFixed(2), 12)}${pad((r.inspect.seconds / r.floor.seconds).toFixed(1), 10)}${pad((r.inspect.peakMB / peer.inspect.peakMB).toFixed(2), 11)}` +
        `${pad(r.floor.seconds.toFixed(2), 9)}${pad(r.floor.peakMB.toFixed(0), 10)}  ${r.sigma1Sum.toPrecision(8)}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
