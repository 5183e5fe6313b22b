import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { ProcessResult } from './types';

/** The built CLI bundle (`npm run build`); compiled to out/test/fuzz/, so three levels up is the repository root. */
export const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');

/**
 * The hang guard: a run still going after this long counts as a hang. It is a safety net that
 * classifies, not a speed assertion: every case here finishes in a second or two.
 */
export const HANG_GUARD_MS = 120_000;

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
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, guardMs);
    const finish = (status: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut });
    };
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ status: null, signal: null, stdout: '', stderr: `spawn failed: ${error.message}`, timedOut: false });
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
