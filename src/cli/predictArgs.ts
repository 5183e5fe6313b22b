import type { ComputeOptions } from '../core/compute/worker/protocol';
import { parseShard, shardOutputPath, type Shard } from '../core/predict/scan/shard';
import { MAX_ZOO_CHECKPOINTS, ZOO_SETTINGS, type ZooSetting } from '../core/predict/zoo/zooPlan';
import { oneOf, paths, UsageError, whole } from './usage';
import { PROGRESS_OPTIONS, silent, text, type CommandSpec } from './command';

/** `lora-lens scan DIR --out FILE`: invariant features of every adapter under DIR. */
export interface ScanArgs {
  readonly command: 'scan';
  readonly root: string;
  readonly out: string;
  readonly format: 'csv' | 'jsonl';
  /** σ's per module; undefined for the default (or the existing output's k). */
  readonly k: number | undefined;
  readonly force: boolean;
  /** `--shard K/N`: only that shard's adapters; `out` is then the shard's own file. */
  readonly shard?: Shard;
  /** No progress on stderr: --quiet, or stderr is not a terminal and --progress was not given. */
  readonly quiet: boolean;
  readonly compute: ComputeOptions;
}

/** `lora-lens make-zoo DIR`: a zoo of teacher–student LoRAs with labels. */
export interface MakeZooArgs {
  readonly command: 'make-zoo';
  readonly dir: string;
  readonly count: number | undefined;
  readonly seed: number | undefined;
  readonly setting: ZooSetting;
  /** checkpoint-N/ folders per adapter; undefined for the default. */
  readonly checkpoints: number | undefined;
  /** Replace a folder that is not empty. */
  readonly force: boolean;
  /** No progress on stderr (see ScanArgs.quiet). */
  readonly quiet: boolean;
}

export const SCAN: CommandSpec<ScanArgs> = {
  name: 'scan',
  summary: 'invariant features of every adapter under a folder, one CSV or JSONL row each',
  usage: ['scan <folder> --out <features.csv|features.jsonl> [--k K] [--shard K/N] [--force] [options]'],
  description:
    'Analyses every adapter folder under <folder> and writes one row per adapter: per module the top-K singular values of ΔW (zero-padded), ‖ΔW‖F and the effective rank, features that do not change under a reparametrization (B R, R⁻¹ A). An existing output is resumed: its rows are kept and those adapters are not analysed again. Adapters that cannot be analysed are listed on stderr as skipped.',
  arguments: [['<folder>', 'the folder to search for adapters (any depth)']],
  options: {
    out: { type: 'string', value: '<file>', help: 'the output: a .csv or .jsonl file; its folder must exist' },
    k: { type: 'string', value: 'K', help: "singular values kept per module (default 8, or the existing output's K)" },
    force: { type: 'boolean', help: 'overwrite an --out file that is not a lora-lens scan output (otherwise refused)' },
    shard: {
      type: 'string',
      value: 'K/N',
      help: 'scan only shard K of N (1-based), the adapters whose path hashes to it, into <out> named with .shard-K-of-N before its extension; join the shards with scan-merge (docs/sharding.md)',
    },
    ...PROGRESS_OPTIONS,
  },
  parse(values, positionals) {
    const [root] = paths(positionals, 1, 1, 'folder');
    const shardText = text(values, 'shard');
    const shard = shardText === undefined ? undefined : shardArg(shardText);
    const out = text(values, 'out');
    if (out === undefined || out === '') throw new UsageError('scan needs --out FILE.csv or --out FILE.jsonl');
    const format = /\.csv$/i.test(out) ? 'csv' : /\.jsonl$/i.test(out) ? 'jsonl' : null;
    if (!format) throw new UsageError(`--out must end in .csv or .jsonl (got "${out}")`);
    const k = text(values, 'k');
    return {
      command: 'scan',
      root,
      out: shard ? shardOutputPath(out, shard) : out,
      ...(shard ? { shard } : {}),
      format,
      k: k === undefined ? undefined : whole('--k', k, 1),
      force: values.force === true,
      quiet: silent(values),
      compute: { backend: 'auto', device: 'auto' },
    };
  },
  outputs: (args) => [{ option: '--out', path: args.out, kind: 'file' }],
};

/** n, or a UsageError when above `max`. */
function atMost(flag: string, n: number, max: number): number {
  if (n > max) throw new UsageError(`${flag} takes at most ${max} (got ${n})`);
  return n;
}

export const MAKE_ZOO: CommandSpec<MakeZooArgs> = {
  name: 'make-zoo',
  summary: 'trains a zoo of small labelled PEFT LoRAs to try the predictors on',
  usage: ['make-zoo <folder> [--setting paper|subpopulations|mixture] [--count N] [--seed S] [--checkpoints K] [--force] [options]'],
  description:
    "Trains a zoo of small PEFT LoRAs (teacher–student, online SGD, the student at the base) into a new or empty <folder>: per adapter its teacher.safetensors and checkpoint-N/ folders, base.safetensors, labels.csv (rank, learning rate, steps, loss, teacher alignment, recovery error, data attributes) and zoo.json. The default setting is Dayi & Chen's (x ~ N(0, I), a rank-1 teacher); see docs/analyses.md. The same --seed gives the same zoo.",
  arguments: [['<folder>', 'a new or empty folder (missing parent folders are created)']],
  options: {
    count: { type: 'string', value: 'N', help: 'how many adapters (default 48)' },
    seed: { type: 'string', value: 'S', help: 'the random seed, a whole number (default 1)' },
    setting: {
      type: 'string',
      value: '<name>',
      help: "paper (default: Gaussian inputs, a rank-1 teacher per adapter), subpopulations (a shared teacher, labels seen_<c> and planted) or mixture (the first zoo's Gaussian mixture)",
    },
    checkpoints: { type: 'string', value: 'K', help: 'checkpoint-N/ folders per adapter, log-spaced (default 4; 0 for none; at most 12)' },
    force: { type: 'boolean', help: 'replace a <folder> that is not empty, once the new zoo is complete (otherwise refused)' },
    ...PROGRESS_OPTIONS,
  },
  parse(values, positionals) {
    const [dir] = paths(positionals, 1, 1, 'folder');
    const count = text(values, 'count');
    const seed = text(values, 'seed');
    const setting = text(values, 'setting');
    const checkpoints = text(values, 'checkpoints');
    return {
      command: 'make-zoo',
      dir,
      count: count === undefined ? undefined : whole('--count', count, 1),
      seed: seed === undefined ? undefined : whole('--seed', seed, 0),
      setting: setting === undefined ? 'paper' : oneOf('--setting', setting, ZOO_SETTINGS),
      checkpoints: checkpoints === undefined ? undefined : atMost('--checkpoints', whole('--checkpoints', checkpoints, 0), MAX_ZOO_CHECKPOINTS),
      force: values.force === true,
      quiet: silent(values),
    };
  },
  outputs: (args) => [{ option: '<folder>', path: args.dir, kind: 'folder', createsParents: true }],
};

function shardArg(value: string): Shard {
  try {
    return parseShard(value);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
