import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { syncDirectory, writeFileAtomic } from '../../io/atomicWrite';
import { FileReadError, readSmallFile } from '../../io/readFile';
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
 * removed (the window without `dir` is two renames long). Each file is written and fsynced with
 * the shared atomic writer, and the parent folder is fsynced after the swap, so a crash leaves
 * the old predictor or the whole new one.
 */
export async function writePredictor(dir: string, stored: StoredPredictor, force: boolean): Promise<void> {
  const exists = await stat(dir).then(
    () => true,
    () => false,
  );
  if (exists && !force) throw new FeatureError('PREDICTOR_EXISTS', `${dir} exists; not overwritten: pass --force to replace it`);
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const tag = randomBytes(6).toString('hex');
  const temp = join(parent, `.${basename(dir)}.${tag}.tmp`);
  await mkdir(temp);
  try {
    await writeFileAtomic(join(temp, MODEL_FILE), stored.model);
    await writeFileAtomic(join(temp, MANIFEST_FILE), renderManifest(stored.manifest));
    if (exists) {
      const old = join(parent, `.${basename(dir)}.${tag}.old`);
      await rename(dir, old);
      await rename(temp, dir);
      await syncDirectory(parent);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(temp, dir);
      await syncDirectory(parent);
    }
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
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
