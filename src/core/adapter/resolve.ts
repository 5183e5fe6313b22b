import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { AdapterError } from './errors';

/** Weight file names adapter writers use, most specific first. */
export const ADAPTER_FILE_NAMES = ['adapter_model.safetensors', 'adapters.safetensors', 'pytorch_lora_weights.safetensors'];

/** mlx-lm's periodic checkpoints (`0000100_adapters.safetensors`) beside the final file. */
const MLX_STEP_FILE = /^\d+_adapters\.safetensors$/;

/**
 * The weights file for a path: the file itself, or for a folder the adapter weights inside it
 * (the known names first; else the only `.safetensors`, preferring names that say lora/adapter
 * and the final file over step checkpoints).
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
  const candidates = names.filter((n) => n.endsWith('.safetensors')).sort();
  const finals = candidates.filter((n) => !MLX_STEP_FILE.test(n));
  const pool = finals.length > 0 ? finals : candidates;
  const preferred = pool.filter((n) => /lora|adapter/i.test(n));
  const pick = preferred.length === 1 ? preferred[0] : pool.length === 1 ? pool[0] : undefined;
  if (pick) return join(path, pick);
  if (pool.length > 1) {
    throw new AdapterError(
      'NO_ADAPTER_FILE',
      `${basename(path)} holds ${pool.length} .safetensors files (${pool.slice(0, 4).join(', ')}${pool.length > 4 ? ', …' : ''}); name the one to open`,
      path,
    );
  }
  if (names.includes('adapter_model.bin')) {
    throw new AdapterError(
      'UNSUPPORTED_WEIGHTS',
      `${basename(path)} holds adapter_model.bin, a PyTorch pickle checkpoint; save it as safetensors (PEFT: save_pretrained(..., safe_serialization=True)) to open it`,
      path,
    );
  }
  throw new AdapterError('NO_ADAPTER_FILE', `${basename(path)} holds no .safetensors adapter weights`, path);
}
