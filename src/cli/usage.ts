import { DEVICE_CHOICES } from '../core/compute/ort/runtime';
import { BACKEND_CHOICES, type ComputeOptions } from '../core/compute/worker/protocol';
import { LensError, registerLensError } from '../core/errors';
import { text, type OptionSpec, type OptionValues } from './command';

// The checks every command's parser shares, apart from the command table in args.ts so that the
// per-command parsers (predictArgs, predictorArgs, resizeArgs) and the table can both import them.

/** A command line that cannot be run as given; the CLI exits 2 with its message. */
export class UsageError extends LensError {
  override readonly name = 'UsageError';
  readonly code = 'USAGE';
  readonly inputError = true;
}
registerLensError('UsageError', UsageError);

/** A whole number ≥ min given to `--name`. */
export function whole(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > 0xffffffff) throw new UsageError(`${flag} takes a whole number of at least ${min} (got "${value}")`);
  return n;
}

/** One of `choices`, or a UsageError listing them. */
export function oneOf<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} takes one of ${choices.join(', ')} (got "${value}")`);
}

/** The positional arguments, when there are `least` to `most` of them; `what` names them in the message. */
export function paths(positionals: readonly string[], least: number, most: number, what: string): readonly string[] {
  if (positionals.length < least || positionals.length > most) {
    const wanted = least === most ? `${least === 1 ? 'one' : least} ${what}` : most === Infinity ? `at least ${least} ${what}` : `at most ${most} ${what}`;
    throw new UsageError(`takes ${wanted} (got ${positionals.length}${positionals.length > 0 ? `: ${positionals.map((p) => `"${p}"`).join(' ')}` : ''})`);
  }
  return positionals;
}

/** --backend and --device as inspect and resize take them. */
export const COMPUTE_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  backend: {
    type: 'string',
    value: 'auto|js|onnxruntime',
    help: 'who computes the factor products (the Gram matrices and tall products the exact SVD needs): js, the pure TypeScript backend; onnxruntime; or auto (default), onnxruntime for adapters with 60 MB of factors and more, js below',
  },
  device: {
    type: 'string',
    value: 'auto|cuda|cpu|webgpu',
    help: 'where onnxruntime runs: cuda, cpu, webgpu, or auto (default), which tries CUDA, then WebGPU for the float32-tolerant dense work (the randomized SVD of base weights), then the CPU; float64 work never runs on WebGPU; `lora-lens info` shows what this installation gets',
  },
};

/** The parsed --backend and --device, defaults auto. */
export function computeOf(values: OptionValues): ComputeOptions {
  return { backend: oneOf('--backend', text(values, 'backend') ?? 'auto', BACKEND_CHOICES), device: oneOf('--device', text(values, 'device') ?? 'auto', DEVICE_CHOICES) };
}
