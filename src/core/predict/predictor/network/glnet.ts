import { SeededRandom } from '../../zoo/random';
import { strataOf, type Target } from '../crossValidate';
import type { GlFactors } from '../factorsInput';
import { fitStandardizer, type Standardizer } from '../standardize';
import { denseBackward, denseForward, denseParamCount, initDense, weightDecay, type DenseShape } from './denseNet';
import { fitLoop, validationSplit } from './fitLoop';
import { bilinearFeatureCount, layerBackward, layerForward, moduleFeatureCount, traceFeatures, type LayerCache, type ModuleWeights } from './glnetLayer';
import { moduleScales } from './glnetScale';
import { headOf, interpretOutputs, networkTarget, outputCount, outputLoss, subsetNetworkTarget, type NetworkTarget, type OutputHead } from './loss';
import { glnetWidths, type NetworkOptions } from './networkOptions';

/** The modules' sizes [m, n] in input order, the equivariant widths h₁…h_L, and the head. */
export interface GlNetShape {
  readonly modules: readonly (readonly [number, number])[];
  readonly widths: readonly number[];
  /** The invariant head: sizes [features, hidden…, outputs]. */
  readonly head: DenseShape;
}

/**
 * A trained GL-net (see glnetLayer.ts for the equivariant stack). Parameters, flat: per module,
 * per layer, W_U then W_V; then the head's dense layers. `scales` are the per-module constants c
 * (glnetScale.ts). The head reads the features standardized by `standardizer` (the trace
 * columns fitted on the training adapters; the P columns keep mean 0, scale 1, since they move
 * with the weights and c already puts them near O(1)).
 */
export interface GlNetModel {
  readonly kind: 'glnet';
  readonly shape: GlNetShape;
  readonly params: Float64Array;
  readonly scales: Float64Array;
  readonly standardizer: Standardizer;
  readonly outputHead: OutputHead;
  /** L2 decay on the head's weight matrices; the equivariant weights are not decayed. */
  readonly weightDecay: number;
  /** Adam steps taken, and the step whose parameters were kept (early stopping). */
  readonly epochs: number;
  readonly bestEpoch: number;
  /** The objective on the fitting adapters at the last step (before its update). */
  readonly finalLoss: number;
}

/** The adapters of a batch with their parameter-free traces (computed once per adapter). */
export interface GlBatch {
  readonly samples: readonly (readonly GlFactors[])[];
  readonly traces: readonly Float64Array[];
}

/** What a GL-net fixes from its training adapters before the weights move. */
export interface GlFixed {
  readonly scales: Float64Array;
  readonly standardizer: Standardizer;
}

interface LayerOffset {
  readonly wu: number;
  readonly wv: number;
  readonly rows: number;
  readonly colsU: number;
  readonly colsV: number;
}

/** Offsets of each module's per-layer W_U and W_V, and where the head starts. */
export function glnetOffsets(shape: GlNetShape): { readonly modules: readonly (readonly LayerOffset[])[]; readonly head: number; readonly total: number } {
  let at = 0;
  const modules = shape.modules.map(([m, n]) =>
    shape.widths.map((h, l) => {
      const colsU = l === 0 ? m : shape.widths[l - 1];
      const colsV = l === 0 ? n : shape.widths[l - 1];
      const o = { wu: at, wv: at + h * colsU, rows: h, colsU, colsV };
      at += h * (colsU + colsV);
      return o;
    }),
  );
  return { modules, head: at, total: at + denseParamCount(shape.head) };
}

/** Views of module i's weights in a flat vector (params, or a gradient of the same layout). */
export function moduleWeights(layers: readonly LayerOffset[], flat: Float64Array): ModuleWeights {
  return {
    WU: layers.map((o) => flat.subarray(o.wu, o.wu + o.rows * o.colsU)),
    WV: layers.map((o) => flat.subarray(o.wv, o.wv + o.rows * o.colsV)),
  };
}

/** The traces of every module of an adapter. */
export function adapterTraces(sample: readonly GlFactors[]): Float64Array {
  const out = new Float64Array(sample.length * 3);
  sample.forEach((f, i) => out.set(traceFeatures(f), i * 3));
  return out;
}

export function glBatch(samples: readonly (readonly GlFactors[])[]): GlBatch {
  return { samples, traces: samples.map(adapterTraces) };
}

/** Standardized head inputs for a batch, with the caches. */
function headInputs(shape: GlNetShape, params: Float64Array, batch: GlBatch, fixed: GlFixed): { readonly x: Float64Array; readonly caches: LayerCache[][] } {
  const offsets = glnetOffsets(shape);
  const width = shape.head.sizes[0];
  const per = moduleFeatureCount(shape.widths);
  const h2 = bilinearFeatureCount(shape.widths);
  const s = fixed.standardizer;
  const x = new Float64Array(batch.samples.length * width);
  const weights = offsets.modules.map((layers) => moduleWeights(layers, params));
  const caches = batch.samples.map((sample, r) => {
    const row = x.subarray(r * width, (r + 1) * width);
    const c = sample.map((f, i) => {
      const cache = layerForward(f, weights[i], shape.widths, 1 / fixed.scales[i], row, i * per);
      row.set(batch.traces[r].subarray(i * 3, i * 3 + 3), i * per + h2);
      return cache;
    });
    for (let j = 0; j < width; j++) row[j] = (row[j] - s.mean[j]) / s.scale[j];
    return c;
  });
  return { x, caches };
}

/** The network's raw outputs (before interpretOutputs) for a batch. */
function rawOutputs(shape: GlNetShape, params: Float64Array, batch: GlBatch, fixed: GlFixed): Float64Array {
  const { x } = headInputs(shape, params, batch, fixed);
  const forward = denseForward(shape.head, params, x, batch.samples.length, glnetOffsets(shape).head);
  return forward.acts[forward.acts.length - 1];
}

/**
 * The training objective, mean loss + (wd/2)·Σ W² over the head's weight matrices only, and its
 * gradient. The equivariant weights are not decayed, as in the paper's training (AdamW,
 * weight_decay 0; moeputt/LoL, diffusion/run_clip.py): their scale is what carries ΔW's
 * directions, and a decay pulled them to ~1e-7.
 */
export function glnetObjective(
  shape: GlNetShape,
  params: Float64Array,
  batch: GlBatch,
  fixed: GlFixed,
  target: NetworkTarget,
  wd: number,
): { readonly loss: number; readonly grad: Float64Array } {
  const offsets = glnetOffsets(shape);
  const rows = batch.samples.length;
  const { x, caches } = headInputs(shape, params, batch, fixed);
  const forward = denseForward(shape.head, params, x, rows, offsets.head);
  const { loss, dOut } = outputLoss(forward.acts[forward.acts.length - 1], rows, target);
  const grad = new Float64Array(params.length);
  const dX = denseBackward(shape.head, params, forward, dOut, grad, offsets.head);
  const width = shape.head.sizes[0];
  const per = moduleFeatureCount(shape.widths);
  const scale = fixed.standardizer.scale;
  const weights = offsets.modules.map((layers) => moduleWeights(layers, params));
  const grads = offsets.modules.map((layers) => moduleWeights(layers, grad));
  batch.samples.forEach((sample, r) => {
    const dRow = dX.subarray(r * width, (r + 1) * width).map((d, j) => d / scale[j]);
    sample.forEach((f, i) => layerBackward(f, weights[i], shape.widths, 1 / fixed.scales[i], caches[r][i], dRow, i * per, grads[i]));
  });
  return { loss: loss + weightDecay(shape.head, params, grad, wd, offsets.head), grad };
}

/** Initial parameters: W_U¹, W_V¹ ~ N(0, 1/m), N(0, 1/n), later layers N(0, 1/h_{l−1}) (the paper's); the head as initDense. */
export function initGlNet(shape: GlNetShape, rng: SeededRandom): Float64Array {
  const offsets = glnetOffsets(shape);
  const params = new Float64Array(offsets.total);
  for (const layers of offsets.modules)
    for (const o of layers) {
      for (let k = 0; k < o.rows * o.colsU; k++) params[o.wu + k] = rng.normal() / Math.sqrt(o.colsU);
      for (let k = 0; k < o.rows * o.colsV; k++) params[o.wv + k] = rng.normal() / Math.sqrt(o.colsV);
    }
  initDense(shape.head, params, rng, offsets.head);
  return params;
}

/** ‖W_Uˡ‖_F and ‖W_Vˡ‖_F of every module and layer: [module][layer]. */
export function equivariantNorms(shape: GlNetShape, params: Float64Array): { readonly u: number; readonly v: number }[][] {
  const norm = (w: Float64Array) => Math.sqrt(w.reduce((s, x) => s + x * x, 0));
  return glnetOffsets(shape).modules.map((layers) => {
    const w = moduleWeights(layers, params);
    return layers.map((_, l) => ({ u: norm(w.WU[l]), v: norm(w.WV[l]) }));
  });
}

/** The feature standardizer: trace columns from the training adapters, P columns fixed at (0, 1). */
export function fitGlStandardizer(widths: readonly number[], traces: readonly Float64Array[], modules: number): Standardizer {
  const per = moduleFeatureCount(widths);
  const h2 = bilinearFeatureCount(widths);
  const fitted = fitStandardizer({ rows: traces.length, cols: modules * 3, data: Float64Array.from(traces.flatMap((t) => [...t])) });
  const mean = new Float64Array(modules * per);
  const scale = new Float64Array(modules * per).fill(1);
  for (let i = 0; i < modules; i++)
    for (let k = 0; k < 3; k++) {
      mean[i * per + h2 + k] = fitted.mean[i * 3 + k];
      scale[i * per + h2 + k] = fitted.scale[i * 3 + k];
    }
  return { mean, scale };
}

/** The shape for these adapters' modules, `hidden` read by glnetWidths, and this many outputs. */
export function glnetShape(first: readonly GlFactors[], hidden: readonly number[], outputs: number): GlNetShape {
  const { equivariant, head } = glnetWidths(hidden);
  return {
    modules: first.map((f) => [f.m, f.n] as const),
    widths: equivariant,
    head: { sizes: [first.length * moduleFeatureCount(equivariant), ...head, outputs], activation: 'tanh' },
  };
}

function pick<T>(items: readonly T[], rows: readonly number[]): T[] {
  return rows.map((r) => items[r]);
}

/**
 * Fits a GL-net on adapters given as GL factors (every adapter the same modules and sizes, any
 * rank per adapter). The scales and the trace standardizer come from all these adapters (no
 * labels involved); a seeded fifth of them (validationSplit, stratified on the target) is held
 * out for early stopping (fitLoop), and the weights with the lowest held-out loss are kept.
 * Deterministic in `options.seed`.
 */
export function trainGlNet(samples: readonly (readonly GlFactors[])[], target: Target, options: NetworkOptions): GlNetModel {
  const t = networkTarget(target);
  const shape = glnetShape(samples[0] ?? [], options.hidden, outputCount(t));
  const batch = glBatch(samples);
  const fixed: GlFixed = { scales: moduleScales(samples), standardizer: fitGlStandardizer(shape.widths, batch.traces, shape.modules.length) };
  const params = initGlNet(shape, new SeededRandom(options.seed));
  const split = validationSplit(samples.length, options.seed + 1, strataOf(target));
  const fitBatch: GlBatch = { samples: pick(batch.samples, split.fit), traces: pick(batch.traces, split.fit) };
  const fitTarget = subsetNetworkTarget(t, split.fit);
  const held: GlBatch = { samples: pick(batch.samples, split.validation), traces: pick(batch.traces, split.validation) };
  const heldTarget = subsetNetworkTarget(t, split.validation);
  const result = fitLoop(params, (p) => glnetObjective(shape, p, fitBatch, fixed, fitTarget, options.weightDecay), {
    epochs: options.epochs,
    learningRate: options.learningRate,
    patience: options.patience,
    validation: split.validation.length > 0 ? (p) => outputLoss(rawOutputs(shape, p, held, fixed), held.samples.length, heldTarget).loss : undefined,
  });
  return {
    kind: 'glnet',
    shape,
    params,
    ...fixed,
    outputHead: headOf(t),
    weightDecay: options.weightDecay,
    epochs: result.epochs,
    bestEpoch: result.bestEpoch,
    finalLoss: result.finalLoss,
  };
}

/** Outputs for adapters (values or probabilities), n×outputs. */
export function predictGlNet(model: GlNetModel, samples: readonly (readonly GlFactors[])[]): Float64Array {
  return interpretOutputs(rawOutputs(model.shape, model.params, glBatch(samples), model), samples.length, model.outputHead);
}
