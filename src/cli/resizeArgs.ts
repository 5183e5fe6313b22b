import { DEVICE_CHOICES, type DeviceChoice } from '../core/compute/ort/runtime';
import { BACKEND_CHOICES, type BackendChoice, type ComputeOptions } from '../core/compute/worker/protocol';
import { parseRankMethod, type RankMethod } from '../core/resize/recommend';
import { ResizeError } from '../core/resize/errors';
import { UsageError } from './args';

/** `lora-lens resize IN --out OUT --method … --param …`: a smaller adapter by truncated SVD. */
export interface ResizeArgs {
  readonly command: 'resize';
  readonly input: string;
  /** Undefined only with --dry-run. */
  readonly output: string | undefined;
  readonly method: RankMethod;
  readonly format: 'peft' | 'kohya' | 'same';
  readonly dtype: 'F32' | 'F16' | 'BF16' | undefined;
  readonly overwrite: boolean;
  readonly keepMixer: boolean;
  readonly json: boolean;
  readonly dryRun: boolean;
  readonly quiet: boolean;
  /** Who computes the tall products (--backend, --device), as for inspect. */
  readonly compute: ComputeOptions;
}

const METHODS = ['energy', 'auto', 'sv_ratio', 'sv_fro', 'sv_cumulative', 'fixed', 'budget-rank', 'budget-params'] as const;
const FORMATS = ['peft', 'kohya', 'same'] as const;
const DTYPES = ['F32', 'F16', 'BF16'] as const;

/** True for `resize` (its --help goes to the general help). */
export function isResizeCommand(argv: readonly string[]): boolean {
  return argv[0] === 'resize' && !argv.includes('--help') && !argv.includes('-h');
}

/** Arguments of `resize` (argv[0] is the command). */
export function parseResizeArgs(argv: readonly string[]): ResizeArgs {
  const rest = argv.slice(1);
  const paths: string[] = [];
  let output: string | undefined;
  let method = 'energy';
  let param: string | undefined;
  let format: ResizeArgs['format'] = 'same';
  let dtype: ResizeArgs['dtype'];
  let backend: BackendChoice = 'auto';
  let device: DeviceChoice = 'auto';
  const flags = { overwrite: false, keepMixer: false, json: false, dryRun: false, quiet: false };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? rest[++i] ?? '';
    if (flag === '--out') output = value();
    else if (flag === '--method') method = oneOf(flag, value(), METHODS);
    else if (flag === '--param') param = value();
    else if (flag === '--format') format = oneOf(flag, value(), FORMATS);
    else if (flag === '--dtype') dtype = oneOf(flag, value().toUpperCase(), DTYPES);
    else if (flag === '--backend') backend = oneOf(flag, value(), BACKEND_CHOICES);
    else if (flag === '--device') device = oneOf(flag, value(), DEVICE_CHOICES);
    else if (arg === '--overwrite') flags.overwrite = true;
    else if (arg === '--keep-mixer') flags.keepMixer = true;
    else if (arg === '--json') flags.json = true;
    else if (arg === '--dry-run') flags.dryRun = true;
    else if (arg === '--quiet' || arg === '-q') flags.quiet = true;
    else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg} for resize`);
    else paths.push(arg);
  }
  if (paths.length !== 1) throw new UsageError(`resize takes one adapter file or folder (got ${paths.length})`);
  if ((output === undefined || output === '') && !flags.dryRun) throw new UsageError('resize needs --out (a folder for PEFT, a .safetensors file for kohya), or --dry-run');
  return { command: 'resize', input: paths[0], output: output || undefined, method: methodOf(method, param), format, dtype, ...flags, compute: { backend, device } };
}

function methodOf(method: string, param: string | undefined): RankMethod {
  const needs = method !== 'auto' && method !== 'energy';
  if (needs && (param === undefined || param === '')) throw new UsageError(`--method ${method} needs --param (e.g. ${example(method)})`);
  if (method === 'auto' && param !== undefined) throw new UsageError('--method auto takes no --param');
  const text = method === 'budget-rank' ? `budget:rank:${param}` : method === 'budget-params' ? `budget:params:${param}` : param === undefined ? method : `${method}:${param}`;
  try {
    return parseRankMethod(text);
  } catch (error) {
    if (error instanceof ResizeError) throw new UsageError(error.message);
    throw error;
  }
}

function example(method: string): string {
  const examples: Record<string, string> = { sv_ratio: '--param 2', sv_fro: '--param 0.9', sv_cumulative: '--param 0.9', fixed: '--param 8', 'budget-rank': '--param 256', 'budget-params': '--param 1e6' };
  return examples[method] ?? '--param 0.95';
}

function oneOf<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} takes one of ${choices.join(', ')} (got "${value}")`);
}
