import type { ComputeOptions } from '../core/compute/worker/protocol';
import type { CheckArgs } from './checkArgs';
import { PROGRESS_OPTIONS, silent, text, type CommandSpec, type OptionSpec } from './command';
import type { MakeZooArgs, ScanArgs } from './predictArgs';
import type { PredictorCommandArgs } from './predictorArgs';
import type { ResizeArgs } from './resizeArgs';
import type { ScanMergeArgs } from './scanMerge';
import { COMPUTE_OPTIONS, computeOf, paths, UsageError, whole } from './usage';

/** Output formats of `lora-lens inspect`. */
export type OutputFormat = 'text' | 'json' | 'csv' | 'markdown';

export interface InspectArgs {
  readonly command: 'inspect';
  /** The file or folder; undefined means the bundled sample adapter. */
  readonly path: string | undefined;
  readonly output: OutputFormat;
  /** No progress on stderr: --quiet, or stderr is not a terminal and --progress was not given. */
  readonly quiet: boolean;
  readonly compute: ComputeOptions;
  /** `--base PATH`: the base model to analyse the modules against (docs/cli.md, "Against the base model"). */
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
  /** No progress on stderr (see InspectArgs.quiet). */
  readonly quiet: boolean;
}

/** `lora-lens checkpoints PATH… | FOLDER`: convergence of one run to its final checkpoint. */
export interface CheckpointsArgs {
  readonly command: 'checkpoints';
  readonly paths: readonly string[];
  readonly json: boolean;
  /** No progress on stderr (see InspectArgs.quiet). */
  readonly quiet: boolean;
  /** `--reference FILE`: u, v[, θ] or delta_w per module; each checkpoint is measured against it. */
  readonly reference?: string;
}

export type CliArgs =
  | InspectArgs
  | InfoArgs
  | CompareArgs
  | CheckpointsArgs
  | ScanArgs
  | ScanMergeArgs
  | MakeZooArgs
  | PredictorCommandArgs
  | ResizeArgs
  | CheckArgs
  | { readonly command: 'help'; readonly text: string }
  | { readonly command: 'version' };

const json: OptionSpec = { type: 'boolean', help: 'print a JSON report on stdout (a stable contract; errors too, as {"error": {code, message}})' };

export const INSPECT: CommandSpec<InspectArgs> = {
  name: 'inspect',
  summary: 'per-module spectra of one adapter: ranks, norms, energy, utilisation',
  usage: ['inspect [<file|folder>] [--json | --csv | --markdown] [--base <model> [--k K]] [options]'],
  description:
    "Reads the adapter, computes the exact singular values of every module's ΔW = scale·B·A (never forming ΔW) and prints one row per module: kind, shape, rank, scale, ‖ΔW‖F, σ1, effective and stable rank, the rank holding 95 % of the energy, and the utilisation of the rank.",
  arguments: [['<file|folder>', 'a .safetensors adapter, or a folder holding one (PEFT, kohya/LyCORIS, diffusers, mlx-lm); without it, a bundled sample adapter is inspected']],
  options: {
    json,
    csv: { type: 'boolean', help: 'one CSV row per module' },
    markdown: { type: 'boolean', help: 'a Markdown report (also --md)' },
    md: { type: 'boolean', help: 'the same as --markdown' },
    base: {
      type: 'string',
      value: '<model>',
      help: "the base model the adapter was trained on (a .safetensors file, a sharded folder or its model.safetensors.index.json, or a Hugging Face cache models--org--name folder): per module, alignment with W0's top-k singular subspaces, amplification, intruder dimensions and the CondLoRA conversion similarity; text or --json",
    },
    k: { type: 'string', value: 'K', help: "with --base: how many of W0's top singular directions to compare against (default 10)" },
    ...COMPUTE_OPTIONS,
    ...PROGRESS_OPTIONS,
  },
  parse(values, positionals) {
    const [path] = paths(positionals, 0, 1, 'path');
    const formats = (['json', 'csv', 'markdown', 'md'] as const).filter((f) => values[f] === true);
    const output: OutputFormat = formats.length === 0 ? 'text' : formats[0] === 'md' ? 'markdown' : formats[0];
    if (new Set(formats.map((f) => (f === 'md' ? 'markdown' : f))).size > 1) throw new UsageError('choose one of --json, --csv, --markdown');
    const base = text(values, 'base');
    if (base === '') throw new UsageError('--base takes the base model: a .safetensors file, a sharded model folder or index, or a Hugging Face cache folder');
    const kText = text(values, 'k');
    const k = kText === undefined ? undefined : whole('--k', kText, 1);
    if (k !== undefined && base === undefined) throw new UsageError('--k goes with --base');
    if (base !== undefined && (output === 'csv' || output === 'markdown')) throw new UsageError('--base prints text or --json');
    const compute = computeOf(values);
    return { command: 'inspect', path, output, quiet: silent(values), compute, ...(base !== undefined ? { base, k } : {}) };
  },
};

export const INFO: CommandSpec<InfoArgs> = {
  name: 'info',
  summary: "onnxruntime's version, its providers, and the one that runs for --device",
  usage: ['info [--device auto|cuda|cpu|webgpu] [--json]'],
  description:
    "Prints onnxruntime's version, the execution providers this installation has, the one that actually runs for --device (found by creating a session, as the analyses do, with the reason for any fallback) and its threads.",
  arguments: [],
  options: { device: COMPUTE_OPTIONS.device, json },
  parse(values, positionals) {
    if (positionals.length > 0) throw new UsageError(`takes no path (got "${positionals[0]}")`);
    return { command: 'info', compute: { backend: 'auto', device: computeOf(values).device }, json: values.json === true };
  },
};

export const COMPARE: CommandSpec<CompareArgs> = {
  name: 'compare',
  summary: 'each adapter against the first, module by module: cosine, distance, principal angles',
  usage: ['compare <A> <B> [<C> …] [--k K] [--json] [options]'],
  description:
    'Compares each later adapter with the first, module by module (matched by the base module they adapt, across PEFT, mlx-lm, kohya and diffusers names): cosine of the two ΔW, their relative distance, and the principal angles between their column and row spaces. Modules that cannot be compared are listed with the reason.',
  arguments: [['<A> <B> …', 'adapter files or folders; the first is the reference']],
  options: { k: { type: 'string', value: 'K', help: 'principal angles over the top K singular directions (default min(r1, r2, 8))' }, json, ...PROGRESS_OPTIONS },
  parse(values, positionals) {
    if (positionals.length < 2) throw new UsageError('compare needs at least two adapters: lora-lens compare A B [C …]');
    const kText = text(values, 'k');
    return { command: 'compare', paths: positionals, json: values.json === true, k: kText === undefined ? undefined : whole('--k', kText, 1), quiet: silent(values) };
  },
};

export const CHECKPOINTS: CommandSpec<CheckpointsArgs> = {
  name: 'checkpoints',
  summary: "convergence of one training run: every checkpoint's ΔW against the final one",
  usage: ['checkpoints <checkpoint>… | <folder> [--reference <file>] [--json] [options]'],
  description:
    "Compares every checkpoint's ΔW with the final one's (cosine, relative distance, angle of the top singular vectors), ordered by step (from trainer_state.json, checkpoint-N/ folders or NNNNNNN_adapters.safetensors names; a checkpoint without a step is the final one). With --reference, also measures every checkpoint against a reference direction θ·u·vᵀ or matrix ΔW_ref per module: alignment of ΔW_t's top singular vectors with u and v, and the recovery error, by step.",
  arguments: [['<checkpoint>… | <folder>', 'two or more checkpoints, or the folder of one run that holds them']],
  options: {
    reference: {
      type: 'string',
      value: '<file>',
      help: "a safetensors file with <module>.u [m], <module>.v [n] (and optionally <module>.theta [1]) or <module>.delta_w [m, n]: each checkpoint's alignment with u and v and its recovery error ‖ΔW_t − ΔW_ref‖F / ‖ΔW_ref‖F, per module (make-zoo's teacher.safetensors is one)",
    },
    json,
    ...PROGRESS_OPTIONS,
  },
  parse(values, positionals) {
    if (positionals.length === 0) throw new UsageError('checkpoints needs checkpoint paths or a folder holding them');
    const reference = text(values, 'reference');
    if (reference === '') throw new UsageError('--reference takes a file: a safetensors file of <module>.u/.v[/.theta] or <module>.delta_w');
    return { command: 'checkpoints', paths: positionals, json: values.json === true, quiet: silent(values), ...(reference === undefined ? {} : { reference }) };
  },
};
