import { FeatureError } from '../errors';
import { featureLayout, parseLayoutId, type FeatureLayout } from '../layout';
import type { CvMetrics } from './crossValidate';
import type { InputTransform, ModelKind } from './model';

export const MANIFEST_FORMAT = 'lora-lens-predictor';
export const MANIFEST_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
export const MODEL_FILE = 'model.onnx';

/** What the predictor outputs: a number (unit and training range), or probabilities over labels. */
export type PredictorOutput =
  | { readonly kind: 'regression'; readonly target: string; readonly unit: string; readonly range: readonly [number, number] }
  | { readonly kind: 'classification'; readonly target: string; readonly labels: readonly string[] };

/** The training record kept beside the model: CV metrics, and the raw-factor baseline's. */
export interface TrainingRecord {
  readonly rows: number;
  readonly skipped: number;
  readonly folds: number;
  readonly seed: number;
  readonly lambda: number;
  readonly cv: CvMetrics;
  readonly baseline: { readonly features: string; readonly reparametrization: string; readonly cv: CvMetrics; readonly cvReparametrized: CvMetrics };
}

/**
 * manifest.json of a predictor folder. The layout is stored in full (modules and shapes), not
 * only its id, so `predict` can say which module an adapter lacks; the id is recomputed from
 * the modules on load, which catches a hand-edited layout. Metrics that were undefined are
 * written as null (JSON has no NaN).
 */
export interface PredictorManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly formatVersion: typeof MANIFEST_VERSION;
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly input: { readonly kind: 'features'; readonly layout: string; readonly k: number; readonly modules: FeatureLayout['modules']; readonly width: number };
  readonly model: { readonly kind: ModelKind; readonly file: typeof MODEL_FILE; readonly dtype: 'float64'; readonly transform: InputTransform };
  readonly output: PredictorOutput;
  readonly training: TrainingRecord | null;
}

/** The layout a manifest's input names. */
export function manifestLayout(m: PredictorManifest): FeatureLayout {
  return featureLayout(m.input.modules, m.input.k);
}

function bad(where: string, what: string): FeatureError {
  return new FeatureError('INVALID_PREDICTOR', `${where}: ${what}`);
}

type Json = Record<string, unknown>;

function object(v: unknown, where: string, field: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(where, `${field} must be an object`);
  return v as Json;
}

function text(o: Json, field: string, where: string): string {
  const v = o[field];
  if (typeof v !== 'string') throw bad(where, `${field} must be a string`);
  return v;
}

/**
 * Parses and checks manifest.json text; `where` names the file in errors. Throws
 * FeatureError INVALID_PREDICTOR saying which field is wrong: not JSON, another format or
 * version, a layout id that does not match its modules, a width that does not match the layout,
 * an unknown model or output kind.
 */
export function parseManifest(source: string, where: string): PredictorManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(source);
  } catch (error) {
    throw bad(where, `not JSON (${(error as Error).message})`);
  }
  const o = object(raw, where, 'the manifest');
  if (o.format !== MANIFEST_FORMAT) throw bad(where, `format must be "${MANIFEST_FORMAT}" (not a lora-lens predictor manifest)`);
  if (o.formatVersion !== MANIFEST_VERSION) throw bad(where, `formatVersion ${JSON.stringify(o.formatVersion)} is not supported (this lora-lens reads ${MANIFEST_VERSION})`);
  const input = object(o.input, where, 'input');
  if (input.kind !== 'features') throw bad(where, 'input.kind must be "features"');
  const id = text(input, 'layout', where);
  try {
    parseLayoutId(id);
  } catch (error) {
    throw bad(where, `input.layout: ${(error as Error).message}`);
  }
  if (!Array.isArray(input.modules)) throw bad(where, 'input.modules must be a list');
  const modules = input.modules.map((m: unknown, i: number) => {
    const mo = object(m, where, `input.modules[${i}]`);
    const shape = mo.shape;
    if (typeof mo.name !== 'string' || !Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isSafeInteger(d) && (d as number) > 0)) throw bad(where, `input.modules[${i}] must have a name and a shape [m, n]`);
    return { name: mo.name, shape: [shape[0] as number, shape[1] as number] as const };
  });
  const k = input.k;
  if (typeof k !== 'number') throw bad(where, 'input.k must be a number');
  let layout: FeatureLayout;
  try {
    layout = featureLayout(modules, k);
  } catch (error) {
    throw bad(where, `input: ${(error as Error).message}`);
  }
  if (layout.id !== id) throw bad(where, `input.layout ${id} does not match the modules and k it lists (they define ${layout.id})`);
  if (input.width !== layout.columns.length) throw bad(where, `input.width ${JSON.stringify(input.width)} is not the layout's ${layout.columns.length} columns`);
  const model = object(o.model, where, 'model');
  if (model.kind !== 'ridge' && model.kind !== 'logistic') throw bad(where, 'model.kind must be "ridge" or "logistic"');
  if (model.file !== MODEL_FILE || model.dtype !== 'float64') throw bad(where, `model must be {"file": "${MODEL_FILE}", "dtype": "float64"}`);
  if (model.transform !== 'identity' && model.transform !== 'log1p') throw bad(where, 'model.transform must be "identity" or "log1p"');
  const output = object(o.output, where, 'output');
  const target = text(output, 'target', where);
  let parsedOutput: PredictorOutput;
  if (output.kind === 'regression' && model.kind === 'ridge') {
    const range = output.range;
    if (!Array.isArray(range) || range.length !== 2 || !range.every((v) => typeof v === 'number')) throw bad(where, 'output.range must be [min, max]');
    parsedOutput = { kind: 'regression', target, unit: text(output, 'unit', where), range: [range[0] as number, range[1] as number] };
  } else if (output.kind === 'classification' && model.kind === 'logistic') {
    const labels = output.labels;
    if (!Array.isArray(labels) || labels.length < 2 || !labels.every((l) => typeof l === 'string')) throw bad(where, 'output.labels must list at least two labels');
    parsedOutput = { kind: 'classification', target, labels: labels as string[] };
  } else throw bad(where, `output.kind ${JSON.stringify(output.kind)} does not go with model.kind ${JSON.stringify(model.kind)} (ridge → regression, logistic → classification)`);
  return {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_VERSION,
    name: text(o, 'name', where),
    version: text(o, 'version', where),
    description: text(o, 'description', where),
    input: { kind: 'features', layout: id, k, modules: layout.modules, width: layout.columns.length },
    model: { kind: model.kind, file: MODEL_FILE, dtype: 'float64', transform: model.transform },
    output: parsedOutput,
    training: (o.training ?? null) as TrainingRecord | null,
  };
}

/** Manifest text; NaN metrics become null. */
export function renderManifest(m: PredictorManifest): string {
  return `${JSON.stringify(m, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}
