import { UsageError } from './args';
import type { ComputeOptions } from '../core/compute/worker/protocol';

/** `lora-lens scan DIR --out FILE`: invariant features of every adapter under DIR. */
export interface ScanArgs {
  readonly command: 'scan';
  readonly root: string;
  readonly out: string;
  readonly format: 'csv' | 'jsonl';
  /** σ's per module; undefined for the default (or the existing output's k). */
  readonly k: number | undefined;
  readonly force: boolean;
  readonly quiet: boolean;
  readonly compute: ComputeOptions;
}

/** `lora-lens make-zoo DIR`: a zoo of teacher–student LoRAs with labels. */
export interface MakeZooArgs {
  readonly command: 'make-zoo';
  readonly dir: string;
  readonly count: number | undefined;
  readonly seed: number | undefined;
  readonly quiet: boolean;
}

/** True for the subcommands parsed here. */
export function isPredictCommand(argv: readonly string[]): boolean {
  return (argv[0] === 'scan' || argv[0] === 'make-zoo') && !argv.includes('--help') && !argv.includes('-h');
}

/** Arguments of `scan` and `make-zoo` (argv[0] is the command). */
export function parsePredictArgs(argv: readonly string[]): ScanArgs | MakeZooArgs {
  const [command, ...rest] = argv;
  const paths: string[] = [];
  let out: string | undefined;
  let k: number | undefined;
  let count: number | undefined;
  let seed: number | undefined;
  let force = false;
  let quiet = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? rest[++i] ?? '';
    if (flag === '--out' && command === 'scan') out = value();
    else if (flag === '--k' && command === 'scan') k = whole(flag, value(), 1);
    else if (arg === '--force' && command === 'scan') force = true;
    else if (flag === '--count' && command === 'make-zoo') count = whole(flag, value(), 1);
    else if (flag === '--seed' && command === 'make-zoo') seed = whole(flag, value(), 0);
    else if (arg === '--quiet' || arg === '-q') quiet = true;
    else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg} for ${command}`);
    else paths.push(arg);
  }
  if (paths.length !== 1) throw new UsageError(`${command} takes one folder (got ${paths.length})`);
  if (command === 'make-zoo') return { command, dir: paths[0], count, seed, quiet };
  if (out === undefined || out === '') throw new UsageError('scan needs --out FILE.csv or --out FILE.jsonl');
  const format = /\.csv$/i.test(out) ? 'csv' : /\.jsonl$/i.test(out) ? 'jsonl' : null;
  if (!format) throw new UsageError(`--out must end in .csv or .jsonl (got "${out}")`);
  return { command: 'scan', root: paths[0], out, format, k, force, quiet, compute: { backend: 'auto', device: 'auto' } };
}

function whole(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > 0xffffffff) throw new UsageError(`${flag} takes a whole number of at least ${min} (got "${value}")`);
  return n;
}
