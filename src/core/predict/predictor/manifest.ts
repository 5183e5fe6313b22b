import { FeatureError } from '../errors';
import { factorsLayoutId, featureLayout, parseLayoutId, type FeatureLayout, type LayoutModule } from '../layout';
import type { CvMetrics } from './crossValidate';
import type { InputTransform } from './model';
import { parseBoundedJson } from '../../io/boundedJson';

export const MANIFEST_FORMAT = 'lora-lens-predictor';
export const MANIFEST_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
export const MODEL_FILE = 'model.onnx';

/** Every model a predictor folder may hold: linear (ridge, logistic), an MLP on the features, a GL-net on the factors. */
export type PredictorModelKind = 'ridge' | 'logistic' | 'mlp' | 'glnet';
const MODEL_KINDS: readonly PredictorModelKind[] = ['ridge', 'logistic', 'mlp', 'glnet'];

/** The invariant spectral features of a layout (ridge, logistic, mlp). */
export interface FeaturesInput {
  readonly kind: 'features';
  readonly layout: string;
  readonly k: number;
  readonly modules: FeatureLayout['modules'];
  readonly width: number;
}

/**
 * The raw factors (glnet): per module, in `modules` order, U = B (m×r) and V = Aᵀ (n×r) with
 * the adapter's scale folded into U, as ONNX inputs U_i and V_i with a symbolic rank. `layout`
 * is factorsLayoutId(modules).
 */
export interface FactorsInput {
  readonly kind: 'factors';
  readonly layout: string;
  readonly modules: readonly LayoutModule[];
}

export type PredictorInput = FeaturesInput | FactorsInput;

/** What the predictor outputs: a number (unit and training range), or probabilities over labels. */
export type PredictorOutput =
  | { readonly kind: 'regression'; readonly target: string; readonly unit: string; readonly range: readonly [number, number] }
  | { readonly kind: 'classification'; readonly target: string; readonly labels: readonly string[] };

/**
 * What a network's training did. The optional fields were added with early stopping and the
 * multi-layer GL-net; older manifests lack them.
 */
export interface NetworkRecord {
  readonly hidden: readonly number[];
  /** Adam steps taken (early stopping may end before maxEpochs). */
  readonly epochs: number;
  readonly activation: string;
  readonly finalLoss: number;
  /** The step cap (--epochs). */
  readonly maxEpochs?: number;
  /** The step whose weights were kept: the lowest loss on the validation split. */
  readonly bestEpoch?: number;
  /** The share of the training adapters held out for early stopping (0 below 10 adapters). */
  readonly validationFraction?: number;
  /** GL-net: the equivariant layers' widths h₁…h_L, and the head's hidden widths. */
  readonly equivariantWidths?: readonly number[];
  readonly headWidths?: readonly number[];
  /** L2 weight decay per parameter group (GL-net: equivariant 0, head the fitted decay). */
  readonly weightDecay?: Readonly<Record<string, number>>;
  /** GL-net: the per-module scale constants c (RMS of ‖ΔW‖_F/√(m·n) over the training adapters). */
  readonly moduleScales?: readonly number[];
}

/** The training record kept beside the model: CV metrics, and the raw-factor baseline's. */
export interface TrainingRecord {
  readonly rows: number;
  readonly skipped: number;
  readonly folds: number;
  readonly seed: number;
  /** The penalty: ridge's λ, logistic's, or the networks' weight decay. */
  readonly lambda: number;
  /** Network models: hidden sizes, epochs run, activation (absent for linear models). */
  readonly network?: NetworkRecord;
  readonly cv: CvMetrics;
  readonly baseline: { readonly features: string; readonly reparametrization: string; readonly cv: CvMetrics; readonly cvReparametrized: CvMetrics };
  /** The baseline networks (flattened, GL-augmented and SVD-canonical MLPs) when trained; same reparametrized copies as `baseline`. */
  readonly baselines?: readonly { readonly name: string; readonly description: string; readonly cv: CvMetrics; readonly cvReparametrized: CvMetrics }[];
}

/**
 * manifest.json of a predictor folder. The input is the invariant features of a layout
 * (ridge, logistic, mlp) or the per-module factors (glnet); either way its modules and shapes
 * are stored in full, not only an id, so `predict` can say which module an adapter lacks; the
 * id is recomputed from the modules on load, which catches a hand-edited list. Metrics that were undefined are
 * written as null (JSON has no NaN).
 */
export interface PredictorManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly formatVersion: typeof MANIFEST_VERSION;
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly input: PredictorInput;
  readonly model: { readonly kind: PredictorModelKind; readonly file: typeof MODEL_FILE; readonly dtype: 'float64'; readonly transform: InputTransform };
  readonly output: PredictorOutput;
  readonly training: TrainingRecord | null;
}

/**
 * The layout a manifest's input names. For a factors input it is the module list with k = 1
 * under the factors id: enough for checkModules, which compares names and shapes only.
 */
export function manifestLayout(m: PredictorManifest): FeatureLayout {
  if (m.input.kind === 'factors') return { ...featureLayout(m.input.modules, 1), id: m.input.layout };
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
    raw = parseBoundedJson(source);
  } catch (error) {
    throw bad(where, `not JSON (${(error as Error).message})`);
  }
  const o = object(raw, where, 'the manifest');
  if (o.format !== MANIFEST_FORMAT) throw bad(where, `format must be "${MANIFEST_FORMAT}" (not a lora-lens predictor manifest)`);
  if (o.formatVersion !== MANIFEST_VERSION) throw bad(where, `formatVersion ${JSON.stringify(o.formatVersion)} is not supported (this lora-lens reads ${MANIFEST_VERSION})`);
  const input = parseInput(object(o.input, where, 'input'), where);
  const model = object(o.model, where, 'model');
  const kind = model.kind as PredictorModelKind;
  if (!MODEL_KINDS.includes(kind)) throw bad(where, `model.kind must be one of ${MODEL_KINDS.join(', ')}`);
  if (model.file !== MODEL_FILE || model.dtype !== 'float64') throw bad(where, `model must be {"file": "${MODEL_FILE}", "dtype": "float64"}`);
  if (model.transform !== 'identity' && model.transform !== 'log1p') throw bad(where, 'model.transform must be "identity" or "log1p"');
  if ((kind === 'glnet') !== (input.kind === 'factors'))
    throw bad(where, `model.kind ${kind} does not go with input.kind ${input.kind} (glnet reads factors, the others features)`);
  const output = object(o.output, where, 'output');
  const target = text(output, 'target', where);
  let parsedOutput: PredictorOutput;
  if (output.kind === 'regression' && kind !== 'logistic') {
    const range = output.range;
    if (!Array.isArray(range) || range.length !== 2 || !range.every((v) => typeof v === 'number')) throw bad(where, 'output.range must be [min, max]');
    parsedOutput = { kind: 'regression', target, unit: text(output, 'unit', where), range: [range[0] as number, range[1] as number] };
  } else if (output.kind === 'classification' && kind !== 'ridge') {
    const labels = output.labels;
    if (!Array.isArray(labels) || labels.length < 2 || !labels.every((l) => typeof l === 'string')) throw bad(where, 'output.labels must list at least two labels');
    parsedOutput = { kind: 'classification', target, labels: labels as string[] };
  } else
    throw bad(
      where,
      `output.kind ${JSON.stringify(output.kind)} does not go with model.kind ${JSON.stringify(kind)} (ridge → regression, logistic → classification, mlp and glnet either)`,
    );
  return {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_VERSION,
    name: text(o, 'name', where),
    version: text(o, 'version', where),
    description: text(o, 'description', where),
    input,
    model: { kind, file: MODEL_FILE, dtype: 'float64', transform: model.transform },
    output: parsedOutput,
    training: (o.training ?? null) as TrainingRecord | null,
  };
}

function parseModules(input: Json, where: string): LayoutModule[] {
  if (!Array.isArray(input.modules)) throw bad(where, 'input.modules must be a list');
  return input.modules.map((m: unknown, i: number) => {
    const mo = object(m, where, `input.modules[${i}]`);
    const shape = mo.shape;
    if (typeof mo.name !== 'string' || !Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isSafeInteger(d) && (d as number) > 0))
      throw bad(where, `input.modules[${i}] must have a name and a shape [m, n]`);
    return { name: mo.name, shape: [shape[0] as number, shape[1] as number] as const };
  });
}

/** The input section: a feature layout whose id, k and width agree, or a factors module list whose id agrees. */
function parseInput(input: Json, where: string): PredictorInput {
  const id = text(input, 'layout', where);
  const modules = parseModules(input, where);
  if (input.kind === 'factors') {
    let layout: FeatureLayout;
    try {
      layout = featureLayout(modules, 1);
    } catch (error) {
      throw bad(where, `input: ${(error as Error).message}`);
    }
    const expected = factorsLayoutId(layout.modules);
    if (id !== expected) throw bad(where, `input.layout ${id} does not match the modules it lists (they define ${expected})`);
    if (layout.modules.length === 0) throw bad(where, 'input.modules is empty');
    return { kind: 'factors', layout: id, modules: layout.modules };
  }
  if (input.kind !== 'features') throw bad(where, 'input.kind must be "features" or "factors"');
  try {
    parseLayoutId(id);
  } catch (error) {
    throw bad(where, `input.layout: ${(error as Error).message}`);
  }
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
  return { kind: 'features', layout: id, k, modules: layout.modules, width: layout.columns.length };
}

/** Manifest text; NaN metrics become null. */
export function renderManifest(m: PredictorManifest): string {
  return `${JSON.stringify(m, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}
