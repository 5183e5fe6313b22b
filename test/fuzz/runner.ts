import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyExit, excerpt } from './classify';
import { runCliProcess } from './spawnCli';
import type { CaseOutcome, FuzzCase, Invocation, ProcessResult } from './types';

/**
 * Runs every case, `concurrency` CLI processes at a time, each case in its own fresh folder
 * (removed afterwards), and returns one outcome per case in the cases' order.
 */
export async function runCases(cases: readonly FuzzCase[], concurrency: number, onDone?: (outcome: CaseOutcome) => void): Promise<CaseOutcome[]> {
  const outcomes: CaseOutcome[] = new Array<CaseOutcome>(cases.length);
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const index = next++;
      outcomes[index] = await runCase(cases[index]);
      onDone?.(outcomes[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return outcomes;
}

/** Prepares, runs and judges one case; a failure of the suite's own preparation is reported as such, not hidden. */
export async function runCase(c: FuzzCase): Promise<CaseOutcome> {
  const dir = await mkdtemp(join(tmpdir(), 'lora-lens-fuzz-'));
  const base = { category: c.category, name: c.name };
  let invocation: Invocation | undefined;
  const start = performance.now();
  try {
    invocation = await c.prepare(dir);
    const judged = await judge(invocation, dir);
    return { ...base, ...judged, ms: Math.round(performance.now() - start) };
  } catch (error) {
    throw new Error(`fuzz case "${c.category} / ${c.name}" could not be prepared or judged: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    invocation?.release?.();
    await rm(dir, { recursive: true, force: true });
  }
}

async function judge(inv: Invocation, dir: string): Promise<Pick<CaseOutcome, 'verdict' | 'reason'>> {
  const [run, ...others] = await Promise.all([runCliProcess(inv.args, inv.guardMs), ...(inv.alongside ?? []).map((args) => runCliProcess(args))]);
  inv.release?.();
  for (const other of others) {
    const kind = classifyExit(other, false);
    if (kind.verdict !== 'exit') return { verdict: kind.verdict, reason: `the run alongside: ${kind.reason}` };
  }
  const kind = classifyExit(run, inv.json === true);
  if (kind.verdict !== 'exit') return kind;
  if (kind.status === 2) {
    if (inv.expect === 'answer') return { verdict: 'wrong', reason: `a valid input was refused: ${excerpt(run.stdout || run.stderr)}` };
    for (const out of inv.outputs ?? []) {
      const left = await leftIn(out);
      if (left.length > 0) return { verdict: 'wrong', reason: `the failed run left ${left.join(', ')} in its output folder` };
    }
  } else {
    if (inv.expect === 'refuse') return { verdict: 'wrong', reason: `exit 0 for an input that must be refused: ${excerpt(run.stdout || run.stderr)}` };
    if (inv.warning && !inv.warning.test(run.stdout) && !inv.warning.test(run.stderr))
      return { verdict: 'wrong', reason: `exit 0 without the warning ${String(inv.warning)}: ${excerpt(run.stderr || run.stdout)}` };
  }
  const wrong = await inv.check?.({ run, dir, cli: (args) => runCliProcess(args) });
  if (wrong !== undefined) return { verdict: 'wrong', reason: wrong };
  if (kind.status === 2) return { verdict: 'typed', reason: kind.code ?? excerpt(run.stderr) };
  return inv.warning ? { verdict: 'typed', reason: 'warned' } : { verdict: 'answered', reason: '' };
}

/** Files in an output folder (none when it does not exist). */
async function leftIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/** A result's stdout parsed as JSON, or the reason it is not JSON. */
export function parseJson<T>(run: ProcessResult): T | string {
  try {
    return JSON.parse(run.stdout) as T;
  } catch (error) {
    return `stdout is not JSON (${error instanceof Error ? error.message : String(error)}): ${excerpt(run.stdout)}`;
  }
}
