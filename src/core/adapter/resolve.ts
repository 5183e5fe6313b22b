import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { AdapterError } from './errors';

/** Weight file names adapter writers use, most specific first. */
export const ADAPTER_FILE_NAMES = ['adapter_model.safetensors', 'adapters.safetensors', 'pytorch_lora_weights.safetensors'];

/**
 * PyTorch pickle names the same writers used before safetensors (PEFT's WEIGHTS_NAME,
 * diffusers' LORA_WEIGHT_NAME); a folder holding both formats opens the safetensors file.
 */
export const PICKLE_ADAPTER_FILE_NAMES = ['adapter_model.bin', 'pytorch_lora_weights.bin'];

/** Extensions torch.save checkpoints go by. */
const PICKLE_EXTENSION = /\.(bin|pt|pth|ckpt)$/i;

/** What transformers' Trainer saves beside a checkpoint's weights: pickles of training state, never an adapter. */
const TRAINER_STATE = /^(training_args\.bin|optimizer\.pt|scheduler\.pt|scaler\.pt|rng_state(_\d+)?\.pth)$/;

/** mlx-lm's periodic checkpoints (`0000100_adapters.safetensors`) beside the final file. */
const MLX_STEP_FILE = /^\d+_adapters\.safetensors$/;

/**
 * The weights file for a path: the file itself, or for a folder the adapter weights inside it
 * (the known names first; else the only `.safetensors`, preferring names that say lora/adapter
 * and the final file over step checkpoints; then PyTorch checkpoints chosen the same way).
 */
export async function resolveWeightsFile(path: string): Promise<string> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new AdapterError(
      code === 'ENOENT' ? 'NOT_FOUND' : 'IO_ERROR',
      code === 'ENOENT' ? `${path} does not exist` : `${path} could not be read: ${(error as Error).message}`,
      path,
    );
  }
  if (!info.isDirectory()) return path;
  const names = await readdir(path);
  for (const known of ADAPTER_FILE_NAMES) if (names.includes(known)) return join(path, known);
  const picked = pickWeights(path, names.filter((n) => n.endsWith('.safetensors')).sort(), '.safetensors');
  if (picked) return picked;
  for (const known of PICKLE_ADAPTER_FILE_NAMES) if (names.includes(known)) return join(path, known);
  const pickles = names.filter((n) => PICKLE_EXTENSION.test(n) && !TRAINER_STATE.test(n)).sort();
  const pickle = pickWeights(path, pickles, 'PyTorch checkpoint');
  if (pickle) return pickle;
  throw new AdapterError('NO_ADAPTER_FILE', `${basename(path)} holds no adapter weights (.safetensors, or a PyTorch .bin/.pt/.pth/.ckpt checkpoint)`, path);
}

/**
 * The one file among `candidates` to open: the final file over step checkpoints, and among
 * several the one whose name says lora/adapter; several with no way to choose is an error.
 */
function pickWeights(path: string, candidates: readonly string[], kind: string): string | undefined {
  const finals = candidates.filter((n) => !MLX_STEP_FILE.test(n));
  const pool = finals.length > 0 ? finals : candidates;
  const preferred = pool.filter((n) => /lora|adapter/i.test(n));
  const pick = preferred.length === 1 ? preferred[0] : pool.length === 1 ? pool[0] : undefined;
  if (pick) return join(path, pick);
  if (pool.length > 1) {
    throw new AdapterError(
      'NO_ADAPTER_FILE',
      `${basename(path)} holds ${pool.length} ${kind} files (${pool.slice(0, 4).join(', ')}${pool.length > 4 ? ', …' : ''}); name the one to open`,
      path,
    );
  }
  return undefined;
}
