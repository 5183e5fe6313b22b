import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessResult } from './types';

/** The built CLI bundle (`npm run build`); compiled to out/test/fuzz/, so three levels up is the repository root. */
export const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');

/**
 * The hang guard: a run still going after this long counts as a hang. It is a safety net that
 * classifies, not a speed assertion: every case here finishes in a second or two.
 */
export const HANG_GUARD_MS = 120_000;

/**
 * The memory guard: a run whose resident memory passes this is killed and counts as a crash (a
 * read that is not bounded), before the system's out-of-memory killer picks some process.
 */
export const MEMORY_GUARD_BYTES = 6 * 1024 ** 3;

/** How often the guard looks at the child's resident memory. */
const MEMORY_POLL_MS = 200;

/** Output kept per stream: enough for any oracle here, bounded so a runaway writer cannot exhaust memory. */
const MAX_OUTPUT = 64 * 1024 * 1024;

/** Runs `node dist/cli.js …args` in its own process group, killed (group and all) at the hang guard. */
export function runCliProcess(args: readonly string[], guardMs = HANG_GUARD_MS): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, COLUMNS: '120' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let sizes = [0, 0];
    const keep = (into: Buffer[], index: number) => (chunk: Buffer) => {
      if (sizes[index] >= MAX_OUTPUT) return;
      sizes = index === 0 ? [sizes[0] + chunk.length, sizes[1]] : [sizes[0], sizes[1] + chunk.length];
      into.push(chunk);
    };
    child.stdout.on('data', keep(out, 0));
    child.stderr.on('data', keep(err, 1));
    let timedOut = false;
    let peakBytes = 0;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, guardMs);
    const poll = setInterval(() => {
      peakBytes = Math.max(peakBytes, residentBytes(child.pid));
      if (peakBytes > MEMORY_GUARD_BYTES) killGroup(child.pid);
    }, MEMORY_POLL_MS);
    const stop = () => {
      clearTimeout(timer);
      clearInterval(poll);
    };
    const finish = (status: number | null, signal: NodeJS.Signals | null) => {
      stop();
      const overMemory = peakBytes > MEMORY_GUARD_BYTES;
      resolve({ status, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut, overMemory });
    };
    child.on('error', (error) => {
      stop();
      resolve({ status: null, signal: null, stdout: '', stderr: `spawn failed: ${error.message}`, timedOut: false, overMemory: false });
    });
    child.on('close', finish);
  });
}

/** Ends the child's whole process group (it leads one: spawned detached), workers included. */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** A process's resident memory in bytes from /proc (Linux); 0 where that cannot be read. */
function residentBytes(pid: number | undefined): number {
  if (pid === undefined || process.platform !== 'linux') return 0;
  try {
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? 0 : Number(kib) * 1024;
  } catch {
    return 0;
  }
}
