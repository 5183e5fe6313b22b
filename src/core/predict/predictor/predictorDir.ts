import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../io/atomicWrite';
import { moveFolderIntoPlace, pathPresent } from '../../io/folderSwap';
import { FileReadError, readSmallFile } from '../../io/readFile';
import { temporaryName } from '../../io/staleTemporaries';
import { FeatureError } from '../errors';
import { MANIFEST_FILE, MODEL_FILE, parseManifest, renderManifest, type PredictorManifest } from './manifest';

/** A manifest lists a layout's modules and per-feature constants: kilobytes to a few megabytes. */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
/** The models train-predictor writes are megabytes; a file larger than this is not one of them. */
const MAX_MODEL_BYTES = 512 * 1024 * 1024;

/** A predictor as stored: its manifest and the ONNX model's bytes. */
export interface StoredPredictor {
  readonly manifest: PredictorManifest;
  readonly model: Uint8Array;
}

/**
 * Writes a predictor folder atomically: both files go into a hidden sibling folder, which is
 * then renamed to `dir`, so a reader sees no folder, or a complete one (never a manifest whose
 * model is half written). An existing `dir` is refused (PREDICTOR_EXISTS) unless `force`; then
 * the old folder is renamed aside first, the new one renamed in, and only then the old one
 * removed; if the new one cannot be renamed in, the old one is put back (moveFolderIntoPlace).
 * Each file is written and fsynced with the shared atomic writer, and the parent folder is
 * fsynced after the swap, so a crash leaves the old predictor or the whole new one.
 */
export async function writePredictor(dir: string, stored: StoredPredictor, force: boolean): Promise<void> {
  const exists = await pathPresent(dir);
  if (exists && !force) throw new FeatureError('PREDICTOR_EXISTS', `${dir} exists; not overwritten: pass --force to replace it`);
  await mkdir(dirname(dir), { recursive: true });
  const temp = temporaryName(dir);
  await mkdir(temp);
  try {
    await writeFileAtomic(join(temp, MODEL_FILE), stored.model);
    await writeFileAtomic(join(temp, MANIFEST_FILE), renderManifest(stored.manifest));
    await moveFolderIntoPlace(temp, dir, force);
  } finally {
    // Gone after a successful move; after a failed one, the half-made folder goes.
    await rm(temp, { recursive: true, force: true });
  }
}

/** Reads and validates a predictor folder; a missing file or bad manifest is INVALID_PREDICTOR. */
export async function readPredictor(dir: string): Promise<StoredPredictor> {
  const manifestPath = join(dir, MANIFEST_FILE);
  const read = async (path: string, maxBytes: number, what: string) => {
    try {
      return await readSmallFile(path, maxBytes, what);
    } catch (error) {
      if (!(error instanceof FileReadError)) throw error;
      const why = error.code === 'NOT_FOUND' ? `${path} cannot be read (there is no such file)` : error.message;
      throw new FeatureError('INVALID_PREDICTOR', `${why}; is ${dir} a predictor folder made by train-predictor?`);
    }
  };
  const manifest = parseManifest(new TextDecoder().decode(await read(manifestPath, MAX_MANIFEST_BYTES, "the predictor's manifest")), manifestPath);
  const model = await read(join(dir, MODEL_FILE), MAX_MODEL_BYTES, "the predictor's model");
  return { manifest, model };
}
