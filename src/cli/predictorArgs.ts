import { UsageError } from './args';
import type { ComputeOptions } from '../core/compute/worker/protocol';
import { DEVICE_CHOICES, type DeviceChoice } from '../core/compute/ort/runtime';
import type { PredictorModelKind } from '../core/predict/predictor/manifest';
import { DEFAULT_EPOCHS, DEFAULT_HIDDEN, MAX_HIDDEN } from '../core/predict/predictor/network/networkOptions';

/** `lora-lens train-predictor --zoo DIR --labels labels.csv --target COLUMN`. */
export interface TrainPredictorArgs {
  readonly command: 'train-predictor';
  readonly zoo: string;
  readonly labels: string;
  readonly target: string;
  readonly model: PredictorModelKind;
  /** Regression or classification: fixed by ridge and logistic, a choice (--task) for mlp and glnet. */
  readonly task: 'regression' | 'classification';
  /** Network models: training epochs and hidden sizes (mlp: one or two hidden layers; glnet: h, then the head's hidden layer). */
  readonly epochs: number;
  readonly hidden: readonly number[];
  readonly folds: number;
  readonly seed: number;
  readonly out: string | undefined;
  readonly k: number | undefined;
  readonly force: boolean;
  readonly json: boolean;
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
export const DEFAULT_FOLDS = 5;
export const DEFAULT_TRIALS = 8;

const COMMANDS = ['train-predictor', 'predict', 'check-invariance'] as const;

export function isPredictorCommand(argv: readonly string[]): boolean {
  return (COMMANDS as readonly string[]).includes(argv[0] ?? '') && !argv.includes('--help') && !argv.includes('-h');
}

/** Arguments of the predictor subcommands (argv[0] is the command). */
export function parsePredictorArgs(argv: readonly string[]): PredictorCommandArgs {
  const [command, ...rest] = argv;
  const paths: string[] = [];
  const flags = new Map<string, string>();
  const switches = new Set<string>();
  const valued: Record<string, readonly string[]> = {
    'train-predictor': ['--zoo', '--labels', '--target', '--model', '--task', '--epochs', '--hidden', '--folds', '--out', '--seed', '--k'],
    predict: ['--predictor', '--device'],
    'check-invariance': ['--predictor', '--trials', '--seed', '--device'],
  };
  const allowedSwitches: Record<string, readonly string[]> = { 'train-predictor': ['--force', '--json', '--quiet', '-q'], predict: ['--json'], 'check-invariance': ['--json'] };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (valued[command]?.includes(flag)) flags.set(flag, inline ?? rest[++i] ?? '');
    else if (allowedSwitches[command]?.includes(arg)) switches.add(arg === '-q' ? '--quiet' : arg);
    else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg} for ${command}`);
    else paths.push(arg);
  }
  const compute: ComputeOptions = { backend: 'auto', device: 'auto' };
  const json = switches.has('--json');
  const seed = flags.has('--seed') ? whole('--seed', flags.get('--seed') ?? '', 0) : 1;
  if (command === 'train-predictor') {
    if (paths.length > 0) throw new UsageError(`train-predictor takes no positional arguments (got ${paths[0]})`);
    const need = (flag: string) => {
      const v = flags.get(flag);
      if (v === undefined || v === '') throw new UsageError(`train-predictor needs ${flag}`);
      return v;
    };
    const model = flags.get('--model') ?? 'ridge';
    if (model !== 'ridge' && model !== 'logistic' && model !== 'mlp' && model !== 'glnet') throw new UsageError(`--model is ridge, logistic, mlp or glnet (got "${model}")`);
    const task = flags.get('--task') ?? (model === 'logistic' ? 'classification' : 'regression');
    if (task !== 'regression' && task !== 'classification') throw new UsageError(`--task is regression or classification (got "${task}")`);
    if ((model === 'ridge' && task !== 'regression') || (model === 'logistic' && task !== 'classification')) throw new UsageError(`--model ${model} does ${model === 'ridge' ? 'regression' : 'classification'} only`);
    if ((flags.has('--epochs') || flags.has('--hidden')) && (model === 'ridge' || model === 'logistic')) throw new UsageError('--epochs and --hidden are for --model mlp or glnet');
    const hidden = flags.has('--hidden') ? hiddenSizes(flags.get('--hidden') ?? '', 2) : DEFAULT_HIDDEN[model === 'glnet' ? 'glnet' : 'mlp'];
    return {
      command,
      zoo: need('--zoo'),
      labels: need('--labels'),
      target: need('--target'),
      model,
      task,
      epochs: flags.has('--epochs') ? whole('--epochs', flags.get('--epochs') ?? '', 1) : DEFAULT_EPOCHS,
      hidden,
      folds: flags.has('--folds') ? whole('--folds', flags.get('--folds') ?? '', 2) : DEFAULT_FOLDS,
      seed,
      out: flags.get('--out'),
      k: flags.has('--k') ? whole('--k', flags.get('--k') ?? '', 1) : undefined,
      force: switches.has('--force'),
      json,
      quiet: switches.has('--quiet'),
      compute,
    };
  }
  if (paths.length !== 1) throw new UsageError(`${command} takes one adapter (got ${paths.length})`);
  const predictor = flags.get('--predictor');
  if (!predictor) throw new UsageError(`${command} needs --predictor DIR`);
  const deviceFlag = flags.get('--device') ?? 'auto';
  if (!(DEVICE_CHOICES as readonly string[]).includes(deviceFlag)) throw new UsageError(`--device is ${DEVICE_CHOICES.join(', ')} (got "${deviceFlag}")`);
  const device = deviceFlag as DeviceChoice;
  if (command === 'predict') return { command, adapter: paths[0], predictor, json, device, compute };
  const trials = flags.has('--trials') ? whole('--trials', flags.get('--trials') ?? '', 1) : DEFAULT_TRIALS;
  return { command: 'check-invariance', adapter: paths[0], predictor, trials, seed, json, device, compute };
}

/** `--hidden 16` or `--hidden 16,8`: at most `layers` sizes, each 1…MAX_HIDDEN. */
function hiddenSizes(value: string, layers: number): number[] {
  const sizes = value.split(',').map((v) => v.trim());
  if (sizes.length > layers) throw new UsageError(`--hidden takes at most ${layers} size${layers === 1 ? '' : 's'} here (got "${value}")`);
  return sizes.map((v) => {
    const n = whole('--hidden', v, 1);
    if (n > MAX_HIDDEN) throw new UsageError(`--hidden sizes are at most ${MAX_HIDDEN} (got ${n}): the networks are trained in TypeScript`);
    return n;
  });
}

function whole(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > 0xffffffff) throw new UsageError(`${flag} takes a whole number of at least ${min} (got "${value}")`);
  return n;
}
