import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DeviceUnavailableError, OrtUnavailableError, type DeviceChoice } from '../../compute/ort/runtime';
import type { CancellationToken } from '../../cancellation';
import { FeatureError, PredictorError } from '../errors';
import { checkInvariance, type InvarianceReport } from './invariance';
import type { PredictorManifest } from './manifest';
import { checkExternalData } from './onnxExternalData';
import { interpret, predictorOutputs, type Analyze, type Prediction } from './predictAdapter';
import { readPredictor, type StoredPredictor } from './predictorDir';
import { PredictorSession } from './runPredictor';

export interface LoadedPredictor {
  readonly dir: string;
  readonly manifest: PredictorManifest;
  /** Which execution provider runs it: 'cuda' when the CUDA provider loaded, else 'cpu', and why. */
  readonly provider: { readonly name: 'cuda' | 'cpu'; readonly fallbackReason?: string };
  /** One adapter (file or PEFT folder) → its prediction. Throws FeatureError LAYOUT_MISMATCH when the adapter does not fit the manifest: never a wrong number. */
  predict(adapterPath: string, analyze: Analyze, token?: CancellationToken): Promise<Prediction>;
  /** Random GL reparametrizations of the adapter; the largest relative change of the outputs. */
  checkInvariance(adapterPath: string, analyze: Analyze, trials: number, seed: number, token?: CancellationToken): Promise<InvarianceReport>;
  dispose(): Promise<void>;
}

/**
 * Reads manifest.json and model.onnx from a predictor folder and creates its ONNX session
 * (CUDA first under `auto`, CPU fallback with the reason; see createOrtSession). A malformed
 * or unreadable manifest, or a model file onnxruntime cannot load, is PredictorError
 * INVALID_PREDICTOR naming the file; a model whose external data lies outside the folder is
 * UNSAFE_EXTERNAL_DATA, refused before onnxruntime sees it (see checkExternalData); an
 * explicit `cuda` that cannot run is DeviceUnavailableError; a missing onnxruntime is OrtUnavailableError (both passed through).
 */
export async function openPredictor(dir: string, options?: { readonly device?: DeviceChoice }): Promise<LoadedPredictor> {
  let stored: StoredPredictor;
  try {
    stored = await readPredictor(dir);
  } catch (error) {
    if (error instanceof FeatureError && !(error instanceof PredictorError)) throw new PredictorError(error.code, error.message);
    throw error;
  }
  const manifest = stored.manifest;
  await checkExternalData(dir, stored.model, join(dir, manifest.model.file));
  let session: PredictorSession;
  try {
    session = await PredictorSession.create(stored.model, manifest.output.kind, options?.device ?? 'auto');
  } catch (error) {
    if (error instanceof DeviceUnavailableError || error instanceof OrtUnavailableError) throw error;
    throw new PredictorError('INVALID_PREDICTOR', `${join(dir, manifest.model.file)} is not an ONNX model onnxruntime can load (${(error as Error).message.split('\n')[0]})`);
  }
  const provider = session.fallbackReason === undefined ? { name: session.provider } : { name: session.provider, fallbackReason: session.fallbackReason };
  return {
    dir,
    manifest,
    provider,
    predict: async (adapterPath, analyze, token) => interpret(manifest, await predictorOutputs(adapterPath, manifest, session, analyze, token)),
    checkInvariance: (adapterPath, analyze, trials, seed, token) => checkInvariance(adapterPath, manifest, session, analyze, trials, seed, token),
    dispose: () => session.dispose(),
  };
}

/**
 * The predictor folders directly under `root` (each `<root>/<name>/manifest.json`), sorted by
 * folder name, each with its parsed manifest or, when it cannot be read or parsed, the error's
 * message. A missing root is an empty list. The ONNX files are not loaded here (openPredictor
 * does that), so listing stays cheap.
 */
export async function discoverPredictors(
  root: string,
): Promise<readonly ({ readonly dir: string; readonly manifest: PredictorManifest } | { readonly dir: string; readonly error: string })[]> {
  let entries: string[];
  try {
    entries = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  } catch {
    return [];
  }
  entries.sort();
  const out: ({ dir: string; manifest: PredictorManifest } | { dir: string; error: string })[] = [];
  for (const name of entries) {
    const dir = join(root, name);
    try {
      out.push({ dir, manifest: (await readPredictor(dir)).manifest });
    } catch (error) {
      out.push({ dir, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return out;
}
