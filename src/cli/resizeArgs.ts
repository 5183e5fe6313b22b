import type { ComputeOptions } from '../core/compute/worker/protocol';
import { parseRankMethod, rankMethodDeprecation, type RankMethod } from '../core/resize/recommend';
import { ResizeError } from '../core/resize/errors';
import { COMPUTE_OPTIONS, computeOf, oneOf, paths, UsageError } from './usage';
import { PROGRESS_OPTIONS, silent, text, type CommandSpec } from './command';
import { parseCommand } from './parseCommand';

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
  /** No progress on stderr: --quiet, or stderr is not a terminal and --progress was not given. */
  readonly quiet: boolean;
  /** Who computes the tall products (--backend, --device), as for inspect. */
  readonly compute: ComputeOptions;
  /** Things to say on stderr before running, e.g. a deprecated --method name. */
  readonly warnings: readonly string[];
}

const METHODS = ['energy', 'above_mean', 'sv_ratio', 'sv_fro', 'sv_cumulative', 'fixed', 'budget-rank', 'budget-params'] as const;
/** Old names still accepted, each with a warning: "auto" was never AutoLoRA. */
const DEPRECATED_METHODS: Readonly<Record<string, (typeof METHODS)[number]>> = { auto: 'above_mean' };
const FORMATS = ['peft', 'kohya', 'same'] as const;
const DTYPES = ['F32', 'F16', 'BF16'] as const;

/** What --param means for each method, with an example: help and error messages share it. */
const PARAM: Readonly<Record<(typeof METHODS)[number], { readonly meaning: string; readonly example: string }>> = {
  energy: { meaning: "the share of each ΔW's energy Σσ² to keep, in (0, 1] or a percentage (default 0.95)", example: '0.95' },
  above_mean: {
    meaning: 'none: the σ-above-mean rank keeps the σ_i ≥ mean σ (σ_i/Σσ ≥ 1/r); a fixed rule, not AutoLoRA\'s learned selection ("auto" is a deprecated name for it)',
    example: '',
  },
  sv_ratio: { meaning: "the largest ratio σ1/σk kept, a number ≥ 1 (kohya's rule)", example: '2' },
  sv_fro: { meaning: "the share of the Frobenius norm √Σσ² to keep, in (0, 1] (kohya's rule)", example: '0.9' },
  sv_cumulative: { meaning: "the share of the sum of singular values Σσ to keep, in (0, 1] (kohya's rule)", example: '0.9' },
  fixed: { meaning: 'the rank every module keeps (a module of lower rank keeps its own)', example: '8' },
  'budget-rank': { meaning: 'the total rank kept over all modules, given greedily to the largest σ²', example: '256' },
  'budget-params': { meaning: 'the total number of factor parameters kept, given greedily by σ² per parameter', example: '1e6' },
};

export const RESIZE: CommandSpec<ResizeArgs> = {
  name: 'resize',
  summary: 'a smaller adapter from the exact truncated SVD of each ΔW',
  usage: ['resize <adapter> --out <folder|file.safetensors> [--method M] [--param X] [options]', 'resize <adapter> --dry-run [--method M] [--param X] [options]'],
  description:
    "Writes a smaller adapter: each module's ΔW is replaced by its best approximation of the kept rank (the exact truncated SVD, the effective scale kept), and a report is written beside it. The plan (rank kept and relative error per module) is printed. An existing output is replaced only with --overwrite.",
  arguments: [['<adapter>', 'an adapter file or folder (PEFT, kohya/LyCORIS, diffusers, mlx-lm)']],
  options: {
    out: { type: 'string', value: '<path>', help: 'the output: a folder for PEFT, a .safetensors file for kohya; its parent folder must exist' },
    method: {
      type: 'string',
      value: 'M',
      help: `how the kept rank is chosen: ${METHODS.join(', ')} (default energy). energy, above_mean, sv_* and fixed decide per module; budget-* share one budget across all modules`,
    },
    param: { type: 'string', value: 'X', help: "the method's number; what it means for each method is listed below" },
    format: {
      type: 'string',
      value: 'same|peft|kohya',
      help: "the output's layout: same (default; the input's own, except diffusers → kohya and mlx-lm → PEFT), peft (a folder) or kohya (one file)",
    },
    dtype: { type: 'string', value: 'F32|F16|BF16', help: "the floating-point type of the written factors (default: the input's; F64 inputs are written as F32)" },
    'keep-mixer': {
      type: 'boolean',
      help: 'refuse to fold a MoSLoRA mixer or AdaLoRA E into the factors (by default they are folded, since a truncation is a plain pair B′·A′); with it, such adapters are an error instead of being changed in kind',
    },
    overwrite: { type: 'boolean', help: 'replace an existing output' },
    'dry-run': { type: 'boolean', help: 'compute and print the plan, write nothing (--out is then optional and not checked)' },
    json: { type: 'boolean', help: 'print the plan and the files written as JSON on stdout' },
    backend: { ...COMPUTE_OPTIONS.backend, help: `${COMPUTE_OPTIONS.backend.help}; here for both passes' tall products` },
    device: COMPUTE_OPTIONS.device,
    ...PROGRESS_OPTIONS,
  },
  sections: [
    { title: '--param by --method', items: METHODS.map((m) => [m, PARAM[m].example === '' ? PARAM[m].meaning : `${PARAM[m].meaning}; e.g. --param ${PARAM[m].example}`]) },
  ],
  parse(values, positionals) {
    const [input] = paths(positionals, 1, 1, 'adapter file or folder');
    const output = text(values, 'out');
    const dryRun = values['dry-run'] === true;
    if ((output === undefined || output === '') && !dryRun) throw new UsageError('resize needs --out (a folder for PEFT, a .safetensors file for kohya), or --dry-run');
    const methodText = text(values, 'method') ?? 'energy';
    const renamed = Object.hasOwn(DEPRECATED_METHODS, methodText) ? DEPRECATED_METHODS[methodText] : undefined;
    const method = methodOf(renamed ?? oneOf('--method', methodText, METHODS), text(values, 'param'), methodText);
    const warnings = renamed ? [`warning: ${rankMethodDeprecation(methodText) ?? `--method ${methodText} is deprecated; use ${renamed}`}`] : [];
    const format = oneOf('--format', text(values, 'format') ?? 'same', FORMATS);
    const dtypeText = text(values, 'dtype');
    // Written as the safetensors header spells them; f16 and bf16 are accepted too.
    const dtype = dtypeText === undefined ? undefined : (DTYPES.find((d) => d === dtypeText.toUpperCase()) ?? oneOf('--dtype', dtypeText, DTYPES));
    const flags = { overwrite: values.overwrite === true, keepMixer: values['keep-mixer'] === true, json: values.json === true, dryRun, quiet: silent(values) };
    return { command: 'resize', input, output: output || undefined, method, format, dtype, ...flags, compute: computeOf(values), warnings };
  },
  outputs: (args) => (args.output === undefined || args.dryRun ? [] : [{ option: '--out', path: args.output, kind: /\.safetensors$/i.test(args.output) ? 'file' : 'folder' }]),
};

/** The rank method from --method and --param, with errors that speak of those two options. */
function methodOf(method: (typeof METHODS)[number], param: string | undefined, typed: string = method): RankMethod {
  const { meaning, example } = PARAM[method];
  if (method === 'above_mean') {
    if (param !== undefined) throw new UsageError(`--method ${typed} takes no --param`);
    return { kind: 'above_mean' };
  }
  if (param === undefined || param === '') {
    if (method === 'energy') return parseRankMethod('energy');
    throw new UsageError(`--method ${method} needs --param (e.g. --param ${example}): ${meaning}`);
  }
  if (param.includes(':')) throw new UsageError(`--param takes one number (got "${param}"): for --method ${method}, ${meaning}`);
  try {
    return parseRankMethod(`${method}:${param}`);
  } catch (error) {
    if (!(error instanceof ResizeError)) throw error;
    // The core's message quotes its own spelling ("rank method …: why"); keep only the why.
    const why = error.message.replace(/^rank method "[^"]*": /, '');
    throw new UsageError(`--param ${param} does not fit --method ${method}: ${why}; --param is ${meaning}`);
  }
}

/** `resize`'s arguments (argv[0] is the command), as the command line parses them. */
export function parseResizeArgs(argv: readonly string[]): ResizeArgs {
  return parseCommand(RESIZE, argv.slice(1));
}
