import type { ComputeOptions } from '../core/compute/worker/protocol';
import { DEVICE_CHOICES, type DeviceChoice } from '../core/compute/ort/runtime';
import type { PredictorModelKind } from '../core/predict/predictor/manifest';
import { DEFAULT_EPOCHS, DEFAULT_GLNET_HEAD, DEFAULT_HIDDEN, MAX_GLNET_LAYERS, MAX_HIDDEN } from '../core/predict/predictor/network/networkOptions';
import { paths, UsageError, whole } from './usage';
import { PROGRESS_OPTIONS, silent, text, type CommandSpec, type OptionSpec, type OptionValues } from './command';

/** `lora-lens train-predictor --zoo DIR --labels labels.csv --target COLUMN`. */
export interface TrainPredictorArgs {
  readonly command: 'train-predictor';
  readonly zoo: string;
  readonly labels: string;
  readonly target: string;
  readonly model: PredictorModelKind;
  /** Regression or classification: fixed by ridge and logistic, a choice (--task) for mlp and glnet. */
  readonly task: 'regression' | 'classification';
  /** Network models: training epochs (the most) and hidden sizes (mlp: one or two hidden layers; glnet: see glnetWidths). */
  readonly epochs: number;
  readonly hidden: readonly number[];
  readonly folds: number;
  readonly seed: number;
  readonly out: string | undefined;
  readonly k: number | undefined;
  readonly force: boolean;
  /** linear: the raw-factor ridge/logistic only; all: also the baseline MLPs (flattened, GL-augmented, SVD-canonical). */
  readonly baselines: 'linear' | 'all';
  readonly json: boolean;
  /** No progress on stderr: --quiet, or stderr is not a terminal and --progress was not given. */
  readonly quiet: boolean;
  readonly compute: ComputeOptions;
}

/** `lora-lens predict ADAPTER --predictor DIR [--json]`. */
export interface PredictArgs {
  readonly command: 'predict';
  readonly adapter: string;
  readonly predictor: string;
  readonly json: boolean;
  /** Where the predictor's ONNX session runs (the analysis keeps `compute`). */
  readonly device: DeviceChoice;
  readonly compute: ComputeOptions;
}

/** `lora-lens check-invariance ADAPTER --predictor DIR [--trials N]`. */
export interface CheckInvarianceArgs {
  readonly command: 'check-invariance';
  readonly adapter: string;
  readonly predictor: string;
  readonly trials: number;
  readonly seed: number;
  readonly json: boolean;
  readonly device: DeviceChoice;
  readonly compute: ComputeOptions;
}

export type PredictorCommandArgs = TrainPredictorArgs | PredictArgs | CheckInvarianceArgs;

/** Default k-fold: 5 leaves 80 % to train on, and a 48-adapter zoo ~10 rows per fold. */
const DEFAULT_FOLDS = 5;
const DEFAULT_TRIALS = 8;

const json: OptionSpec = { type: 'boolean', help: 'print the result as JSON on stdout' };
const predictorOption: OptionSpec = { type: 'string', value: '<folder>', help: 'the predictor folder train-predictor wrote (model.onnx, manifest.json)' };
const deviceOption: OptionSpec = {
  type: 'string',
  value: 'auto|cuda|cpu|webgpu',
  help: "where the predictor's ONNX model runs: cuda, cpu, or auto (default: CUDA when onnxruntime has it, else the CPU); the model is float64, so webgpu runs it on the CPU and says so; the adapter's analysis chooses its own backend",
};

export const TRAIN_PREDICTOR: CommandSpec<TrainPredictorArgs> = {
  name: 'train-predictor',
  summary: 'fits a property predictor on a labelled zoo and reports its cross-validation',
  usage: ['train-predictor --zoo <folder> --labels <labels.csv> --target <column> [--model M] [--out <folder>] [options]'],
  description:
    'Fits a model that predicts a label column from an adapter: ridge (numeric target), logistic regression (categorical) or an MLP on the invariant features (the top singular values), or a GL-net on the factors themselves. Reports k-fold cross-validation beside a raw-factor baseline scored on reparametrized held-out adapters (which an invariant model is immune to), and writes model.onnx + manifest.json into --out.',
  arguments: [],
  options: {
    zoo: { type: 'string', value: '<folder>', help: 'the folder the adapter paths in --labels are relative to' },
    labels: { type: 'string', value: '<labels.csv>', help: 'a CSV with an adapter column (folder names under --zoo) and the label columns' },
    target: { type: 'string', value: '<column>', help: 'the label column to predict' },
    model: {
      type: 'string',
      value: 'ridge|logistic|mlp|glnet',
      help: 'ridge (default, regression), logistic (classification), mlp (a small network on the features) or glnet (a GL(r)-equivariant network on the factors)',
    },
    task: { type: 'string', value: 'regression|classification', help: 'for mlp and glnet: what to predict (default regression; ridge and logistic fix their own)' },
    epochs: {
      type: 'string',
      value: 'N',
      help: `for mlp and glnet: the most training epochs (default ${DEFAULT_EPOCHS}; early stopping on a validation fifth of the training adapters usually ends sooner)`,
    },
    hidden: {
      type: 'string',
      value: 'H[,H2…]',
      help: `for mlp and glnet: hidden sizes, each at most ${MAX_HIDDEN} (mlp: one or two layers, default ${DEFAULT_HIDDEN.mlp.join(',')}; glnet: up to ${MAX_GLNET_LAYERS} equivariant widths, then the head's width, e.g. 16,16,32; one size is one equivariant layer with a head of ${DEFAULT_GLNET_HEAD}; default ${DEFAULT_HIDDEN.glnet.join(',')})`,
    },
    folds: { type: 'string', value: 'K', help: `cross-validation folds, at least 2 (default ${DEFAULT_FOLDS})` },
    seed: { type: 'string', value: 'S', help: 'the seed of the folds, the networks and the reparametrizations (default 1)' },
    k: { type: 'string', value: 'K', help: 'singular values per module in the features (default 8)' },
    out: { type: 'string', value: '<folder>', help: 'where to write the predictor (model.onnx, manifest.json); without it, cross-validation only' },
    force: { type: 'boolean', help: 'replace an existing --out predictor (otherwise refused)' },
    baselines: {
      type: 'string',
      value: 'linear|all',
      help: "which baselines to cross-validate beside the model: linear (default: the raw-factor ridge or logistic, milliseconds) or all (also MLPs of the model's size on flattened factors, on GL(r)-augmented factors and on SVD-canonical factors: ~20 s of CPU on a 48-adapter zoo)",
    },
    json,
    ...PROGRESS_OPTIONS,
  },
  parse(values, positionals) {
    if (positionals.length > 0) throw new UsageError(`train-predictor takes no positional arguments (got ${positionals[0]})`);
    const need = (flag: string) => {
      const v = text(values, flag);
      if (v === undefined || v === '') throw new UsageError(`train-predictor needs --${flag}`);
      return v;
    };
    const model = text(values, 'model') ?? 'ridge';
    if (model !== 'ridge' && model !== 'logistic' && model !== 'mlp' && model !== 'glnet') throw new UsageError(`--model is ridge, logistic, mlp or glnet (got "${model}")`);
    const task = text(values, 'task') ?? (model === 'logistic' ? 'classification' : 'regression');
    if (task !== 'regression' && task !== 'classification') throw new UsageError(`--task is regression or classification (got "${task}")`);
    if ((model === 'ridge' && task !== 'regression') || (model === 'logistic' && task !== 'classification'))
      throw new UsageError(`--model ${model} does ${model === 'ridge' ? 'regression' : 'classification'} only`);
    const epochs = text(values, 'epochs');
    const hidden = text(values, 'hidden');
    if ((epochs !== undefined || hidden !== undefined) && (model === 'ridge' || model === 'logistic')) throw new UsageError('--epochs and --hidden are for --model mlp or glnet');
    const folds = text(values, 'folds');
    const seed = text(values, 'seed');
    const k = text(values, 'k');
    // Not 'all' by default: the three MLPs are trained once per fold each (~20 s of CPU on the
    // 48-adapter demo zoo against ~2 s for the rest of the command).
    const baselines = text(values, 'baselines') ?? 'linear';
    if (baselines !== 'linear' && baselines !== 'all') throw new UsageError(`--baselines is linear or all (got "${baselines}")`);
    return {
      command: 'train-predictor',
      zoo: need('zoo'),
      labels: need('labels'),
      target: need('target'),
      model,
      task,
      epochs: epochs === undefined ? DEFAULT_EPOCHS : whole('--epochs', epochs, 1),
      hidden: hidden === undefined ? DEFAULT_HIDDEN[model === 'glnet' ? 'glnet' : 'mlp'] : hiddenSizes(hidden, model === 'glnet' ? MAX_GLNET_LAYERS + 1 : 2),
      folds: folds === undefined ? DEFAULT_FOLDS : whole('--folds', folds, 2),
      seed: seed === undefined ? 1 : whole('--seed', seed, 0),
      out: text(values, 'out'),
      k: k === undefined ? undefined : whole('--k', k, 1),
      force: values.force === true,
      baselines,
      json: values.json === true,
      quiet: silent(values),
      compute: { backend: 'auto', device: 'auto' },
    };
  },
  outputs: (args) => (args.out === undefined ? [] : [{ option: '--out', path: args.out, kind: 'folder', createsParents: true }]),
};

export const PREDICT: CommandSpec<PredictArgs> = {
  name: 'predict',
  summary: 'runs a trained predictor on one adapter',
  usage: ['predict <adapter> --predictor <folder> [--device auto|cuda|cpu|webgpu] [--json]'],
  description: "Runs a predictor on one adapter. The adapter's modules must match the layout the predictor was trained on; a mismatch is an error and no number is printed.",
  arguments: [['<adapter>', 'an adapter file or folder']],
  options: { predictor: predictorOption, device: deviceOption, json },
  parse(values, positionals) {
    const [adapter] = paths(positionals, 1, 1, 'adapter');
    return {
      command: 'predict',
      adapter,
      predictor: predictorOf(values, 'predict'),
      json: values.json === true,
      device: deviceOf(values),
      compute: { backend: 'auto', device: 'auto' },
    };
  },
};

export const CHECK_INVARIANCE: CommandSpec<CheckInvarianceArgs> = {
  name: 'check-invariance',
  summary: "checks that a predictor's output survives GL(r) reparametrizations of an adapter",
  usage: ['check-invariance <adapter> --predictor <folder> [--trials N] [--seed S] [--device auto|cuda|cpu|webgpu] [--json]'],
  description:
    'Runs a predictor on N random reparametrizations (B R, R⁻¹ A) of the adapter, which leave every ΔW unchanged, and reports the largest relative change of its outputs (at most 1e-4 passes). The exit status is 0 either way; scripts read "invariant" from --json.',
  arguments: [['<adapter>', 'an adapter file or folder']],
  options: {
    predictor: predictorOption,
    trials: { type: 'string', value: 'N', help: `how many random reparametrizations (default ${DEFAULT_TRIALS})` },
    seed: { type: 'string', value: 'S', help: 'the seed of the reparametrizations (default 1)' },
    device: deviceOption,
    json,
  },
  parse(values, positionals) {
    const [adapter] = paths(positionals, 1, 1, 'adapter');
    const trials = text(values, 'trials');
    const seed = text(values, 'seed');
    return {
      command: 'check-invariance',
      adapter,
      predictor: predictorOf(values, 'check-invariance'),
      trials: trials === undefined ? DEFAULT_TRIALS : whole('--trials', trials, 1),
      seed: seed === undefined ? 1 : whole('--seed', seed, 0),
      json: values.json === true,
      device: deviceOf(values),
      compute: { backend: 'auto', device: 'auto' },
    };
  },
};

function predictorOf(values: OptionValues, command: string): string {
  const predictor = text(values, 'predictor');
  if (!predictor) throw new UsageError(`${command} needs --predictor DIR`);
  return predictor;
}

function deviceOf(values: OptionValues): DeviceChoice {
  const device = text(values, 'device') ?? 'auto';
  if (!(DEVICE_CHOICES as readonly string[]).includes(device)) throw new UsageError(`--device is ${DEVICE_CHOICES.join(', ')} (got "${device}")`);
  return device as DeviceChoice;
}

/** `--hidden 16`, `--hidden 16,8` (glnet: up to MAX_GLNET_LAYERS + 1 sizes): at most `layers` sizes, each 1…MAX_HIDDEN. */
function hiddenSizes(value: string, layers: number): number[] {
  const sizes = value.split(',').map((v) => v.trim());
  if (sizes.length > layers) throw new UsageError(`--hidden takes at most ${layers} size${layers === 1 ? '' : 's'} here (got "${value}")`);
  return sizes.map((v) => {
    const n = whole('--hidden', v, 1);
    if (n > MAX_HIDDEN) throw new UsageError(`--hidden sizes are at most ${MAX_HIDDEN} (got ${n}): the networks are trained in TypeScript`);
    return n;
  });
}
