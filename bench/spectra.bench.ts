import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureAdapter, LLAMA3_70B_R64, LLAMA3_8B_R16, type ModelShape } from './generate';

/**
 * `npm run bench [-- --only 8b|70b] [--python PATH]`: full-analysis speed and memory on
 * adapters the size of Llama-3-8B r16 (~84 MB) and Llama-3-70B r64 (~1.7 GB), as ratios
 * measured in one run (the machine is shared, so absolute times drift; ratios hold):
 * - against the read floor: just reading every byte of the file;
 * - against the peer: the same QR route in numpy/LAPACK (bench/peer_numpy.py).
 * Each measurement runs in a process of its own, after the read floor has put the file in
 * the page cache, so every side reads from memory.
 */

const CHILD = join(__dirname, 'child.js');
const PEER = join(__dirname, '..', '..', 'bench', 'peer_numpy.py');

interface Args {
  readonly models: ModelShape[];
  readonly python: string;
}

function parseArgs(argv: readonly string[]): Args {
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
  const python = argv.includes('--python') ? argv[argv.indexOf('--python') + 1] : existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const models = [LLAMA3_8B_R16, LLAMA3_70B_R64].filter((m) => !only || m.name.includes(only));
  return { models, python };
}

function runJson(command: string, args: string[]): Record<string, number | string> {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, number | string>;
}

const num = (x: number | string | undefined): number => Number(x);
const f = (x: number, digits = 3) => x.toFixed(digits);

async function benchModel(model: ModelShape, python: string): Promise<void> {
  const { dir, file, bytes } = await ensureAdapter(model);
  console.log(`\n${model.name}: ${(bytes / 1e6).toFixed(1)} MB, ${model.layers * 7} modules, rank ${model.rank}, BF16`);
  const floor = runJson(process.execPath, [CHILD, 'read', file]);
  // Cold starts vary most on a shared machine: the median of five fresh processes.
  const headers = Array.from({ length: 5 }, () => num(runJson(process.execPath, [CHILD, 'header', dir]).headerSeconds)).sort((a, b) => a - b);
  const ours = runJson(process.execPath, [CHILD, 'analyze', dir]);
  let peer: Record<string, number | string> | null = null;
  try {
    peer = runJson(python, [PEER, dir]);
  } catch (error) {
    console.log(`  numpy peer unavailable (${(error as Error).message}); install python3-numpy to compare`);
  }
  const analysis = num(ours.analysisSeconds);
  const floorSeconds = num(floor.seconds);
  console.log(`  header + layer table     ${f(headers[2] * 1000, 1)} ms median of 5 cold starts (min ${f(headers[0] * 1000, 1)})   (target ≤ 50 ms)`);
  console.log(`  full analysis (js)       ${f(analysis)} s`);
  console.log(`  read floor               ${f(floorSeconds)} s   → analysis / read floor = ${f(analysis / floorSeconds, 1)}×`);
  if (peer) {
    const peerSeconds = num(peer.seconds);
    const agreement = Math.abs(num(peer.sigmaSum) - num(ours.sigmaSum)) / num(peer.sigmaSum);
    console.log(`  numpy QR peer            ${f(peerSeconds)} s   (numpy ${peer.numpy}) → analysis / peer = ${f(analysis / peerSeconds, 2)}×   (target ≤ 1.5×)`);
    console.log(`  spectra agree with peer  Σσ relative difference ${agreement.toExponential(1)}`);
    console.log(`  peer peak RSS            ${f(num(peer.peakRssMB), 0)} MB`);
  }
  const largest = num(ours.largestFactorBytes) / 1e6;
  const budget = 2 * largest + 200;
  console.log(`  peak RSS                 ${f(num(ours.peakRssMB), 0)} MB   (target < 2 × ${f(largest, 1)} MB largest module's float64 factors + 200 MB = ${f(budget, 0)} MB)`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  console.log(`LoRA Lens spectra benchmark · node ${process.version} · ${process.platform}/${process.arch}`);
  for (const model of args.models) await benchModel(model, args.python);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
