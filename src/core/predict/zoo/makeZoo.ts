import { mkdir, readdir, rm, rmdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { throwIfCancelled, type CancellationToken } from '../../cancellation';
import { writeFileAtomic } from '../../io/atomicWrite';
import { moveFolderIntoPlace, pathPresent } from '../../io/folderSwap';
import { temporaryName } from '../../io/staleTemporaries';
import { DEFAULT_SHAPE, type NetworkShape } from './network';
import { labelsCsv, type ZooRow } from './labels';
import { makeAdapter, prepareSetting, zooDescription } from './zooSetting';
import { writeBaseFile } from './zooFiles';
import { MAX_ZOO_CHECKPOINTS, planZoo, type ZooSetting } from './zooPlan';
import { LensError, registerLensError } from '../../errors';

/** Default zoo size: enough rows for a first predictor, a few seconds to make. */
const DEFAULT_ZOO_COUNT = 48;
const DEFAULT_ZOO_SEED = 1;

/** Checkpoints per adapter unless --checkpoints says otherwise: see checkpointSteps. */
const DEFAULT_CHECKPOINTS = 4;

export interface ZooOptions {
  readonly count?: number;
  readonly seed?: number;
  readonly shape?: NetworkShape;
  /** The data and teacher setting (default `paper`, Dayi & Chen's). */
  readonly setting?: ZooSetting;
  /** Intermediate checkpoints per adapter, `checkpoint-N/` (default 4; 0 for none). */
  readonly checkpoints?: number;
  /** Replace a folder that is not empty (default false: ZOO_DIR_NOT_EMPTY). */
  readonly force?: boolean;
  readonly token?: CancellationToken;
  readonly onAdapter?: (done: number, total: number, row: ZooRow) => void;
}

/**
 * Makes a zoo of real LoRAs in `dir` (which must be missing or empty): one base network from
 * the seed (see BaseNetwork, saved as `base.safetensors`), then per adapter a teacher (see
 * zooSetting.ts) and an online-SGD student (see trainLora) with the hyper-parameters of planZoo.
 * Each adapter is a PEFT folder `adapter-NNN/` with its `teacher.safetensors` and
 * `checkpoint-N/` folders; `labels.csv` has one row per adapter (labelColumns), and `zoo.json`
 * the setting, the recovery criterion and the files. The factors are rounded to float32 before
 * the labels are computed, so the labels describe exactly the weights on disk. Deterministic in
 * (count, seed, setting).
 *
 * All or nothing: the zoo is made in a hidden sibling folder, renamed to `dir` only when complete;
 * a failure or cancellation removes it and leaves `dir` as it was. A folder that is not empty is
 * refused unless `force`, which replaces it only once the new zoo is complete.
 */
export async function makeZoo(dir: string, options: ZooOptions = {}): Promise<ZooRow[]> {
  const target = resolve(dir);
  const force = options.force === true;
  if (!force) await ensureEmpty(target);
  await mkdir(dirname(target), { recursive: true });
  const temp = temporaryName(target);
  await mkdir(temp);
  try {
    const rows = await fillZoo(temp, options);
    throwIfCancelled(options.token);
    // An empty folder is taken; one filled meanwhile is refused as at the start.
    if (!force && (await pathPresent(target))) {
      await ensureEmpty(target);
      await rmdir(target);
    }
    await moveFolderIntoPlace(temp, target, force);
    return rows;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** makeZoo's work, into the folder `dir` (new and empty). */
async function fillZoo(dir: string, options: ZooOptions): Promise<ZooRow[]> {
  const count = options.count ?? DEFAULT_ZOO_COUNT;
  const seed = options.seed ?? DEFAULT_ZOO_SEED;
  const shape = options.shape ?? DEFAULT_SHAPE;
  const setting = options.setting ?? 'paper';
  const checkpoints = options.checkpoints ?? DEFAULT_CHECKPOINTS;
  if (!Number.isInteger(checkpoints) || checkpoints < 0 || checkpoints > MAX_ZOO_CHECKPOINTS)
    throw new RangeError(`checkpoints must be a whole number from 0 to ${MAX_ZOO_CHECKPOINTS}`);
  const prepared = prepareSetting(setting, seed, shape);
  await writeBaseFile(dir, prepared.base);
  const rows: ZooRow[] = [];
  for (const item of planZoo(count, seed, shape.components, setting)) {
    throwIfCancelled(options.token);
    const row = await makeAdapter(dir, prepared, item, checkpoints);
    rows.push(row);
    options.onAdapter?.(rows.length, count, row);
  }
  await writeFileAtomic(join(dir, 'labels.csv'), labelsCsv(rows, setting, shape.components));
  const description = zooDescription(prepared, shape, { seed, count, checkpoints, rows });
  await writeFileAtomic(join(dir, 'zoo.json'), `${JSON.stringify(description, null, 2)}\n`);
  return rows;
}

/** Accepts a missing or empty folder: a zoo never writes over existing files without force. */
async function ensureEmpty(dir: string): Promise<void> {
  if (!(await pathPresent(dir))) return;
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    throw new ZooDirError(`${dir} cannot be used for the zoo: ${error.code === 'ENOTDIR' ? 'it is not a folder' : error.message}`);
  });
  if (names.length > 0)
    throw new ZooDirError(
      `${dir} is not empty (${names.length} entr${names.length === 1 ? 'y' : 'ies'}); make-zoo writes only into a new or empty folder (pass --force to replace it)`,
    );
}

/** The zoo's folder cannot be used; the CLI reports it as an input error (exit 2). */
export class ZooDirError extends LensError {
  override readonly name = 'ZooDirError';
  readonly inputError = true;
  readonly code = 'ZOO_DIR_NOT_EMPTY';
}
registerLensError('ZooDirError', ZooDirError);
