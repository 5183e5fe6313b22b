import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ADAPTER_FILE_NAMES, resolveWeightsFile } from '../adapter/resolve';
import { sidecarOutsideFolder } from '../adapter/sidecar';
import { readSmallText } from '../io/readFile';
import { SubspaceError } from './errors';
import { parseBoundedJson } from '../io/boundedJson';

/** One checkpoint of a training run, located and placed in order. */
export interface CheckpointFile {
  /** The path as given (or found in the folder). */
  readonly path: string;
  /** The safetensors file read. */
  readonly weights: string;
  /** The training step; null for the final adapter, which names none. */
  readonly step: number | null;
  /** Where the step came from. */
  readonly stepSource: 'trainer_state' | 'name' | null;
}

/** mlx-lm's periodic files: `0000100_adapters.safetensors`. */
const MLX_STEP = /^(\d+)_adapters\.safetensors$/;
/** Hugging Face Trainer's folders: `checkpoint-230`. */
const TRAINER_FOLDER = /^checkpoint-(\d+)$/;
/** kohya's per-epoch or per-step saves: `my_lora-000004.safetensors`. */
const NUMBERED_FILE = /[-_](\d+)\.safetensors$/;
/** A Trainer state with a log entry per step of a long run is tens of megabytes; a larger file is not read. */
const MAX_TRAINER_STATE_BYTES = 64 * 1024 * 1024;

/**
 * The checkpoints of one run in training order. `paths` are checkpoint files or folders, or one
 * folder holding them (`checkpoint-N/` folders, mlx-lm `NNNNNNN_adapters.safetensors` files, and
 * the final adapter beside them). The step of each is `global_step` from the `trainer_state.json`
 * beside its weights when there is one, else the number in its name (mlx-lm file, Trainer folder,
 * kohya `-000004` suffix); a checkpoint with no step is the final one and sorts last. Several
 * without a step keep their given order (with a warning), so the last path given is the final.
 * Throws AdapterError for paths that hold no adapter, SubspaceError for fewer than two.
 */
export async function orderCheckpoints(paths: readonly string[]): Promise<{ checkpoints: CheckpointFile[]; warnings: string[] }> {
  const expanded = paths.length === 1 ? await expandFolder(paths[0]) : [...paths];
  if (expanded.length < 2)
    throw new SubspaceError(
      'TOO_FEW_CHECKPOINTS',
      `a checkpoint series needs at least two checkpoints; ${paths.length === 1 ? `${paths[0]} holds ${expanded.length}` : `got ${expanded.length}`}`,
    );
  const checkpoints: CheckpointFile[] = [];
  for (const path of expanded) {
    const weights = await resolveWeightsFile(path);
    checkpoints.push({ path, weights, ...(await stepOf(path, weights)) });
  }
  const order = checkpoints.map((c, i) => ({ c, i })).sort((x, y) => (x.c.step ?? Infinity) - (y.c.step ?? Infinity) || x.i - y.i);
  const sorted = order.map((x) => x.c);
  const warnings: string[] = [];
  const unnumbered = sorted.filter((c) => c.step === null);
  if (unnumbered.length > 1)
    warnings.push(`${unnumbered.length} checkpoints name no step (${unnumbered.map((c) => c.path).join(', ')}); they keep the given order and the last is taken as the final one`);
  const steps = sorted.flatMap((c) => (c.step === null ? [] : [c.step]));
  if (new Set(steps).size < steps.length) warnings.push('two checkpoints have the same step; they keep the given order');
  return { checkpoints: sorted, warnings };
}

/** A folder of checkpoints: Trainer folders, mlx-lm step files, and the final adapter. */
async function expandFolder(path: string): Promise<string[]> {
  let isFolder: boolean;
  try {
    isFolder = (await stat(path)).isDirectory();
  } catch {
    return [path];
  }
  if (!isFolder) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  const found = entries.filter((e) => (e.isDirectory() && TRAINER_FOLDER.test(e.name)) || (e.isFile() && MLX_STEP.test(e.name))).map((e) => join(path, e.name));
  if (found.length === 0) return [path];
  const final = entries.find((e) => e.isFile() && ADAPTER_FILE_NAMES.includes(e.name));
  return final ? [...found, join(path, final.name)] : found;
}

async function stepOf(path: string, weights: string): Promise<Pick<CheckpointFile, 'step' | 'stepSource'>> {
  const file = basename(weights);
  const mlx = MLX_STEP.exec(file);
  if (mlx) return { step: Number(mlx[1]), stepSource: 'name' };
  const state = await globalStep(join(dirname(weights), 'trainer_state.json'));
  if (state !== null) return { step: state, stepSource: 'trainer_state' };
  const folder = TRAINER_FOLDER.exec(basename(dirname(weights))) ?? TRAINER_FOLDER.exec(basename(path));
  if (folder) return { step: Number(folder[1]), stepSource: 'name' };
  const numbered = NUMBERED_FILE.exec(file);
  if (numbered && !ADAPTER_FILE_NAMES.includes(file)) return { step: Number(numbered[1]), stepSource: 'name' };
  return { step: null, stepSource: null };
}

/** `global_step` of a Trainer state file, or null when absent, unreadable, not a count, or a link out of its folder. */
async function globalStep(file: string): Promise<number | null> {
  if ((await sidecarOutsideFolder(file)) !== null) return null;
  let text: string;
  try {
    text = await readSmallText(file, MAX_TRAINER_STATE_BYTES, 'the trainer state');
  } catch {
    return null;
  }
  try {
    const value = (parseBoundedJson(text) as { global_step?: unknown }).global_step;
    return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
  } catch {
    return null;
  }
}
