import { DEVICE_CHOICES, type DeviceChoice } from '../core/compute/ort/runtime';
import { BACKEND_CHOICES, type BackendChoice, type ComputeOptions } from '../core/compute/worker/protocol';
import type { MakeZooArgs, ScanArgs } from './predictArgs';
import type { PredictorCommandArgs } from './predictorArgs';
import type { ResizeArgs } from './resizeArgs';
import { LensError, registerLensError } from '../core/errors';

/** Output formats of `lora-lens inspect`. */
export type OutputFormat = 'text' | 'json' | 'csv' | 'markdown';

export interface InspectArgs {
  readonly command: 'inspect';
  /** The file or folder; undefined means the bundled sample adapter. */
  readonly path: string | undefined;
  readonly output: OutputFormat;
  readonly quiet: boolean;
  readonly compute: ComputeOptions;
  /** `--base PATH`: the base model to analyse the modules against (README "Against the base model"). */
  readonly base?: string;
  /** `--k K` with --base: W0's top-k subspaces (default 10). */
  readonly k?: number;
}

export interface InfoArgs {
  readonly command: 'info';
  readonly compute: ComputeOptions;
  readonly json: boolean;
}

/** `lora-lens compare A B [C …]`: each later adapter against the first. */
export interface CompareArgs {
  readonly command: 'compare';
  readonly paths: readonly string[];
  readonly json: boolean;
  /** Principal angles over the top k; undefined for the default min(r1, r2, 8). */
  readonly k: number | undefined;
  readonly quiet: boolean;
}

/** `lora-lens checkpoints PATH… | FOLDER`: convergence of one run to its final checkpoint. */
export interface CheckpointsArgs {
  readonly command: 'checkpoints';
  readonly paths: readonly string[];
  readonly json: boolean;
  readonly quiet: boolean;
}

export type CliArgs = InspectArgs | InfoArgs | CompareArgs | CheckpointsArgs | ScanArgs | MakeZooArgs | PredictorCommandArgs | ResizeArgs | { readonly command: 'help' } | { readonly command: 'version' };

/** A command line that cannot be run as given; the CLI exits 2 with its message. */
export class UsageError extends LensError {
  override readonly name = 'UsageError';
  readonly code = 'USAGE';
  readonly inputError = true;
}
registerLensError('UsageError', UsageError);

const FORMAT_FLAGS: Readonly<Record<string, OutputFormat>> = { '--json': 'json', '--csv': 'csv', '--markdown': 'markdown', '--md': 'markdown' };

export function parseArgs(argv: readonly string[]): CliArgs {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') return { command: 'help' };
  if (argv.includes('--version') || argv[0] === 'version') return { command: 'version' };
  const [command, ...rest] = argv;
  if (command === 'compare' || command === 'checkpoints') return parseSubspaceArgs(command, rest);
  if (command !== 'inspect' && command !== 'info') throw new UsageError(`unknown command "${command}"; try: lora-lens inspect <file|folder>`);
  let path: string | undefined;
  let output: OutputFormat = 'text';
  let quiet = false;
  let backend: BackendChoice = 'auto';
  let device: DeviceChoice = 'auto';
  let base: string | undefined;
  let k: number | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? rest[++i] ?? '';
    if (flag === '--backend') backend = choice(flag, value(), BACKEND_CHOICES);
    else if (flag === '--device') device = choice(flag, value(), DEVICE_CHOICES);
    else if (flag === '--base' && command === 'inspect') {
      base = value();
      if (base === '') throw new UsageError('--base takes the base model: a .safetensors file, a sharded model folder or index, or a Hugging Face cache folder');
    } else if (flag === '--k' && command === 'inspect') k = wholeNumber(flag, value());
    else if (arg in FORMAT_FLAGS) {
      if (command === 'info' && arg !== '--json') throw new UsageError('info prints text or --json');
      if (output !== 'text' && output !== FORMAT_FLAGS[arg]) throw new UsageError('choose one of --json, --csv, --markdown');
      output = FORMAT_FLAGS[arg];
    } else if (arg === '--quiet' || arg === '-q') quiet = true;
    else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg}`);
    else if (command === 'info') throw new UsageError('info takes no path');
    else if (path !== undefined) throw new UsageError(`one path at a time (got "${path}" and "${arg}")`);
    else path = arg;
  }
  const compute: ComputeOptions = { backend, device };
  if (command === 'info') return { command, compute, json: output === 'json' };
  if (k !== undefined && base === undefined) throw new UsageError('--k goes with --base');
  if (base !== undefined && (output === 'csv' || output === 'markdown')) throw new UsageError('--base prints text or --json');
  return { command, path, output, quiet, compute, ...(base !== undefined ? { base, k } : {}) };
}

/** Arguments of `compare` and `checkpoints`: paths, --json, --quiet, and --k for compare. */
function parseSubspaceArgs(command: 'compare' | 'checkpoints', rest: readonly string[]): CompareArgs | CheckpointsArgs {
  const paths: string[] = [];
  let json = false;
  let quiet = false;
  let k: number | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '--k' && command === 'compare') {
      const value = inline ?? rest[++i] ?? '';
      k = Number(value);
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(k) || k < 1) throw new UsageError(`--k takes a whole number of at least 1 (got "${value}")`);
    } else if (arg === '--json') json = true;
    else if (arg === '--quiet' || arg === '-q') quiet = true;
    else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg}`);
    else paths.push(arg);
  }
  if (command === 'compare') {
    if (paths.length < 2) throw new UsageError('compare needs at least two adapters: lora-lens compare A B [C …]');
    return { command, paths, json, k, quiet };
  }
  if (paths.length === 0) throw new UsageError('checkpoints needs checkpoint paths or a folder holding them');
  return { command, paths, json, quiet };
}

function wholeNumber(flag: string, value: string): number {
  const k = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(k) || k < 1) throw new UsageError(`${flag} takes a whole number of at least 1 (got "${value}")`);
  return k;
}

function choice<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} takes one of ${choices.join(', ')} (got "${value}")`);
}

export const HELP = `lora-lens: exact per-layer analysis of LoRA adapter checkpoints

usage:
  lora-lens inspect [<file|folder>] [--json | --csv | --markdown] [--quiet]
                    [--backend auto|js|onnxruntime] [--device auto|cuda|cpu]
                    [--base <model> [--k K]]
  lora-lens info [--device auto|cuda|cpu] [--json]
  lora-lens compare <A> <B> [<C> …] [--k K] [--json] [--quiet]
  lora-lens checkpoints <checkpoint>… | <folder> [--json] [--quiet]
  lora-lens scan <folder> --out <features.csv|features.jsonl> [--k K] [--force] [--quiet]
  lora-lens make-zoo <folder> [--count N] [--seed S] [--quiet]
  lora-lens train-predictor --zoo <folder> --labels <labels.csv> --target <column>
                    [--model ridge|logistic|mlp|glnet] [--task regression|classification]
                    [--epochs N] [--hidden H[,H2]] [--folds K] [--seed S] [--out <predictor>]
                    [--force] [--json]
  lora-lens predict <adapter> --predictor <predictor> [--device auto|cuda|cpu] [--json]
  lora-lens check-invariance <adapter> --predictor <predictor> [--trials N]
                    [--device auto|cuda|cpu] [--json]
  lora-lens resize <adapter> --out <folder|file.safetensors> [--method M] [--param X]
                    [--format peft|kohya|same] [--dtype F32|F16|BF16] [--overwrite]
                    [--keep-mixer] [--json] [--dry-run] [--quiet]
                    [--backend auto|js|onnxruntime] [--device auto|cuda|cpu]

  <file|folder>  a .safetensors adapter, or a folder holding one (PEFT, kohya/LyCORIS,
                 diffusers, mlx-lm); without it, a bundled sample adapter is inspected
  --json         machine-readable report (a stable contract)
  --csv          one row per module
  --markdown     a Markdown report
  --quiet        no progress on stderr
  --backend      who computes the factor products: onnxruntime, the pure TypeScript
                 backend (js), or auto (onnxruntime for adapters of 100 MB of factors and up)
  --device       onnxruntime's device: auto tries CUDA and falls back to the CPU
  --base         the base model (a .safetensors file, a sharded folder or its
                 model.safetensors.index.json, or a Hugging Face cache models--org--name
                 folder): per module, alignment with W0's top-k singular subspaces,
                 amplification, intruder dimensions, CondLoRA conversion similarity
                 (text or --json; --k sets k, default 10)
  info           onnxruntime's version, the providers this installation has, the one that
                 runs for --device, and its threads
  compare        each adapter against the first, module by module (matched by the base module
                 they adapt, across PEFT, mlx-lm, kohya and diffusers names): cosine of the ΔW,
                 relative distance, principal angles of column and row spaces (top --k, default
                 min(r1, r2, 8)); modules that cannot be compared are listed with the reason
  checkpoints    convergence of one run: every checkpoint's ΔW against the final one's (cosine,
                 relative distance, angle of the top singular vectors), ordered by step
                 (trainer_state.json, checkpoint-N/, NNNNNNN_adapters.safetensors; no step = final)
  scan           invariant features of every adapter folder under <folder>, one row each:
                 per module the top-K singular values (default 8, zero-padded), ‖ΔW‖_F and the
                 effective rank; resumes an existing output (its rows are kept, those adapters
                 not analysed again); refuses a file it did not write unless --force
  make-zoo       trains a zoo of small PEFT LoRAs (teacher–student, online SGD; default 48)
                 into a new or empty <folder>, with labels.csv (rank, lr, steps, loss, teacher
                 alignment, subpopulation); deterministic for a --seed (default 1)
  train-predictor  fits ridge (numeric target), logistic regression (categorical) or an MLP
                 (--task, default regression) on the invariant features of the adapters
                 labels.csv lists, or a GL-net (--model glnet) on their factors; reports k-fold
                 CV beside a raw-factor baseline scored on reparametrized held-out adapters, and
                 writes model.onnx + manifest.json into --out (refused if it exists, unless
                 --force); --epochs and --hidden size the networks (default 300; 16 for mlp,
                 4,8 for glnet: h of the equivariant layer, then the head)
  predict        runs a predictor on one adapter (its modules must match the predictor's layout);
                 --device: where its ONNX model runs (auto tries CUDA, then the CPU)
  check-invariance  runs a predictor on N random GL(r) reparametrizations (B R, R⁻¹ A) of the
                 adapter and reports the largest relative change of its outputs (≤ 1e-4 passes)
  resize         a smaller adapter from the exact truncated SVD of each ΔW, the effective scale
                 kept: --method energy (--param level, default 0.95), auto (AutoLoRA rule),
                 sv_ratio / sv_fro / sv_cumulative (kohya's resize rules), fixed (rank),
                 budget-rank / budget-params (global, greedy by σ²); --format same (default:
                 the input's layout; diffusers → kohya, mlx → PEFT), peft (a folder) or kohya
                 (one file); a report beside it; an existing output only with --overwrite;
                 --backend/--device as for inspect (both passes' tall products)

exit status: 0 done, 2 invalid input or usage, 1 internal error
`;
