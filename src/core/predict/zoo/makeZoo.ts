import { mkdir, readdir, rm, rmdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { throwIfCancelled, type CancellationToken } from '../../cancellation';
import { writeFileAtomic } from '../../io/atomicWrite';
import { moveFolderIntoPlace, pathPresent } from '../../io/folderSwap';
import { temporaryName } from '../../io/staleTemporaries';
import { csvCell } from '../../report/escape';
import { teacherAlignment } from './alignment';
import { DEFAULT_SHAPE, makeBase, makeTeacher, type NetworkShape } from './network';
import { writePeftFolder } from './peftFolder';
import { SeededRandom } from './random';
import { trainLora } from './train';
import { planZoo, type ZooItem } from './zooPlan';
import { LensError, registerLensError } from '../../errors';

/** Default zoo size: enough rows for a first predictor, a few seconds to make. */
const DEFAULT_ZOO_COUNT = 48;
const DEFAULT_ZOO_SEED = 1;

/** The base_model_name_or_path written into each config. */
const ZOO_BASE_MODEL = 'lora-lens/teacher-student-tanh';

/** One adapter made, with its labels. */
export interface ZooRow {
  readonly item: ZooItem;
  readonly scale: number;
  readonly initialLoss: number;
  readonly finalLoss: number;
  /** Mean over blocks of |cos(top left singular vector of ΔW_b, u_b)|. */
  readonly alignmentU: number;
  /** Mean over blocks of |cos(top right singular vector of ΔW_b, v_b)|. */
  readonly alignmentV: number;
}

export interface ZooOptions {
  readonly count?: number;
  readonly seed?: number;
  readonly shape?: NetworkShape;
  /** Replace a folder that is not empty (default false: ZOO_DIR_NOT_EMPTY). */
  readonly force?: boolean;
  readonly token?: CancellationToken;
  readonly onAdapter?: (done: number, total: number, row: ZooRow) => void;
}

/** The labels file's columns, in order. */
export const LABEL_COLUMNS = [
  'adapter',
  'rank',
  'lora_alpha',
  'scale',
  'learning_rate',
  'steps',
  'batch',
  'subpopulations',
  'subpopulation_mask',
  'teacher_strength',
  'initial_loss',
  'final_loss',
  'alignment_u',
  'alignment_v',
  'seed',
] as const;

/**
 * Makes a zoo of real LoRAs in `dir` (which must be missing or empty): one base network from
 * the seed (see BaseNetwork), then per adapter its own rank-1 teacher and an online-SGD student
 * (see trainLora) with the hyper-parameters of planZoo. Each adapter is a PEFT folder
 * `adapter-NNN/`; `labels.csv` has one row per adapter (LABEL_COLUMNS), and `zoo.json` the
 * network's definition. The factors are rounded to float32 before the labels are computed, so
 * the labels describe exactly the weights on disk. Deterministic in (count, seed).
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
  const base = makeBase(seed, shape);
  const rows: ZooRow[] = [];
  for (const item of planZoo(count, seed, shape.components)) {
    throwIfCancelled(options.token);
    const rng = new SeededRandom(item.seed);
    const teacher = makeTeacher(base, rng, item.teacherStrength);
    const trained = trainLora(base, teacher, {
      rank: item.rank,
      alpha: item.alpha,
      learningRate: item.learningRate,
      steps: item.steps,
      batch: item.batch,
      components: item.components,
      seed: rng.int(1, 2 ** 31 - 1),
    });
    const factors = trained.factors.map((f) => ({ B: f.B.map(Math.fround), A: f.A.map(Math.fround) }));
    let au = 0;
    let av = 0;
    factors.forEach((f, b) => {
      const a = teacherAlignment(f.B, f.A, trained.scale, teacher.u[b], teacher.v[b]);
      au += a.u / factors.length;
      av += a.v / factors.length;
    });
    await writePeftFolder(
      join(dir, item.folder),
      base.blocks.map((block, b) => ({ name: block.name, A: factors[b].A, B: factors[b].B, rank: item.rank, inputs: base.inputs, outputs: base.hidden })),
      item.alpha,
      ZOO_BASE_MODEL,
    );
    const row: ZooRow = { item, scale: trained.scale, initialLoss: trained.initialLoss, finalLoss: trained.finalLoss, alignmentU: au, alignmentV: av };
    rows.push(row);
    options.onAdapter?.(rows.length, count, row);
  }
  await writeFileAtomic(join(dir, 'labels.csv'), labelsCsv(rows));
  const description = {
    network: 'f(x) = sum_b a_b^T tanh(W0_b x); teacher W0_b + theta u_b v_b^T; student W0_b + (lora_alpha/r) B_b A_b',
    activation: 'tanh',
    inputs: shape.inputs,
    hidden: shape.hidden,
    blocks: base.blocks.map((b) => b.name),
    mixture: { components: shape.components, meanNorm: shape.meanNorm, covariance: 'identity' },
    loss: '0.5 (f_student - f_teacher)^2, online SGD, batch mean',
    seed,
    count,
  };
  await writeFileAtomic(join(dir, 'zoo.json'), `${JSON.stringify(description, null, 2)}\n`);
  return rows;
}

/** labels.csv text (RFC 4180, CRLF like the inspect report's CSV). */
function labelsCsv(rows: readonly ZooRow[]): string {
  const lines = [LABEL_COLUMNS.join(',')];
  for (const r of rows) {
    const i = r.item;
    const mask = i.components.reduce((m, c) => m | (1 << c), 0);
    const cells: (string | number)[] = [
      i.folder,
      i.rank,
      i.alpha,
      r.scale,
      i.learningRate,
      i.steps,
      i.batch,
      i.components.join('+'),
      mask,
      i.teacherStrength,
      r.initialLoss,
      r.finalLoss,
      r.alignmentU,
      r.alignmentV,
      i.seed,
    ];
    lines.push(cells.map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
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
