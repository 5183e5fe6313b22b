import { SeededRandom } from '../../zoo/random';
import type { Target } from '../crossValidate';
import type { GlFactors } from '../factorsInput';
import { fitStandardizer, type Standardizer } from '../standardize';
import { Adam } from './adam';
import { denseBackward, denseForward, denseParamCount, initDense, weightDecay, type DenseShape } from './denseNet';
import { layerBackward, layerForward, moduleFeatureCount, traceFeatures, type LayerCache } from './glnetLayer';
import { headOf, interpretOutputs, networkTarget, outputCount, outputLoss, type NetworkTarget, type OutputHead } from './loss';
import type { NetworkOptions } from './networkOptions';

/** The modules' sizes [m, n] in input order, and the equivariant layer's hidden size h. */
export interface GlNetShape {
  readonly modules: readonly (readonly [number, number])[];
  readonly h: number;
  /** The invariant head: sizes [features, hidden…, outputs]. */
  readonly head: DenseShape;
}

/**
 * A trained GL-net (see glnetLayer.ts for the layer). Parameters, flat: per module W_U (h×m)
 * then W_V (h×n), then the head's dense layers. The head reads the features standardized by
 * `standardizer` (fitted on the training adapters; the slog(P) columns keep mean 0, scale 1,
 * since they move with the weights).
 */
export interface GlNetModel {
  readonly kind: 'glnet';
  readonly shape: GlNetShape;
  readonly params: Float64Array;
  readonly standardizer: Standardizer;
  readonly outputHead: OutputHead;
  readonly weightDecay: number;
  readonly epochs: number;
  /** The objective on the training adapters at the last step (before its update). */
  readonly finalLoss: number;
}

/** Offsets of each module's W_U and W_V, and where the head starts. */
export function glnetOffsets(shape: GlNetShape): { readonly modules: readonly { readonly wu: number; readonly wv: number }[]; readonly head: number; readonly total: number } {
  let at = 0;
  const modules = shape.modules.map(([m, n]) => {
    const o = { wu: at, wv: at + shape.h * m };
    at += shape.h * (m + n);
    return o;
  });
  return { modules, head: at, total: at + denseParamCount(shape.head) };
}

/** One adapter's feature row (unstandardized) and its per-module caches. */
function adapterForward(shape: GlNetShape, params: Float64Array, sample: readonly GlFactors[], traces: Float64Array, out: Float64Array): LayerCache[] {
  const offsets = glnetOffsets(shape);
  const per = moduleFeatureCount(shape.h);
  const h2 = shape.h * shape.h;
  return sample.map((f, i) => {
    const o = offsets.modules[i];
    const cache = layerForward(f, params.subarray(o.wu, o.wu + shape.h * f.m), params.subarray(o.wv, o.wv + shape.h * f.n), shape.h, out, i * per);
    out.set(traces.subarray(i * 3, i * 3 + 3), i * per + h2);
    return cache;
  });
}

/** The traces of every module of an adapter (parameter-free, so computed once per adapter). */
export function adapterTraces(sample: readonly GlFactors[]): Float64Array {
  const out = new Float64Array(sample.length * 3);
  sample.forEach((f, i) => out.set(traceFeatures(f), i * 3));
  return out;
}

/** Standardized head inputs for a batch, with the caches. */
function headInputs(
  shape: GlNetShape,
  params: Float64Array,
  samples: readonly (readonly GlFactors[])[],
  traces: readonly Float64Array[],
  s: Standardizer,
): { readonly x: Float64Array; readonly caches: LayerCache[][] } {
  const width = shape.head.sizes[0];
  const x = new Float64Array(samples.length * width);
  const caches = samples.map((sample, r) => {
    const row = x.subarray(r * width, (r + 1) * width);
    const c = adapterForward(shape, params, sample, traces[r], row);
    for (let j = 0; j < width; j++) row[j] = (row[j] - s.mean[j]) / s.scale[j];
    return c;
  });
  return { x, caches };
}

/** The training objective (mean loss + (wd/2)·Σ all weights²) and its gradient. */
export function glnetObjective(
  shape: GlNetShape,
  params: Float64Array,
  samples: readonly (readonly GlFactors[])[],
  traces: readonly Float64Array[],
  s: Standardizer,
  target: NetworkTarget,
  wd: number,
): { readonly loss: number; readonly grad: Float64Array } {
  const offsets = glnetOffsets(shape);
  const { x, caches } = headInputs(shape, params, samples, traces, s);
  const forward = denseForward(shape.head, params, x, samples.length, offsets.head);
  const { loss, dOut } = outputLoss(forward.acts[forward.acts.length - 1], samples.length, target);
  const grad = new Float64Array(params.length);
  const dX = denseBackward(shape.head, params, forward, dOut, grad, offsets.head);
  const width = shape.head.sizes[0];
  const per = moduleFeatureCount(shape.h);
  samples.forEach((sample, r) => {
    const dRow = dX.subarray(r * width, (r + 1) * width).map((d, j) => d / s.scale[j]);
    sample.forEach((f, i) => {
      const o = offsets.modules[i];
      layerBackward(f, caches[r][i], shape.h, dRow, i * per, grad.subarray(o.wu, o.wu + shape.h * f.m), grad.subarray(o.wv, o.wv + shape.h * f.n));
    });
  });
  let penalty = weightDecay(shape.head, params, grad, wd, offsets.head);
  for (let i = 0; i < offsets.head; i++) {
    penalty += 0.5 * wd * params[i] * params[i];
    grad[i] += wd * params[i];
  }
  return { loss: loss + penalty, grad };
}

/** Initial parameters: W_U, W_V ~ N(0, 1/m), N(0, 1/n); the head as initDense. */
export function initGlNet(shape: GlNetShape, rng: SeededRandom): Float64Array {
  const offsets = glnetOffsets(shape);
  const params = new Float64Array(offsets.total);
  shape.modules.forEach(([m, n], i) => {
    const o = offsets.modules[i];
    for (let k = 0; k < shape.h * m; k++) params[o.wu + k] = rng.normal() / Math.sqrt(m);
    for (let k = 0; k < shape.h * n; k++) params[o.wv + k] = rng.normal() / Math.sqrt(n);
  });
  initDense(shape.head, params, rng, offsets.head);
  return params;
}

/** The feature standardizer: trace columns from the training adapters, slog(P) columns fixed at (0, 1). */
export function fitGlStandardizer(h: number, traces: readonly Float64Array[], modules: number): Standardizer {
  const per = moduleFeatureCount(h);
  const fitted = fitStandardizer({ rows: traces.length, cols: modules * 3, data: Float64Array.from(traces.flatMap((t) => [...t])) });
  const mean = new Float64Array(modules * per);
  const scale = new Float64Array(modules * per).fill(1);
  for (let i = 0; i < modules; i++)
    for (let k = 0; k < 3; k++) {
      mean[i * per + h * h + k] = fitted.mean[i * 3 + k];
      scale[i * per + h * h + k] = fitted.scale[i * 3 + k];
    }
  return { mean, scale };
}

/**
 * Fits a GL-net on adapters given as GL factors (every adapter the same modules and sizes, any
 * rank per adapter): hidden = [h, head hidden…]; full-batch Adam for `options.epochs` steps.
 */
export function trainGlNet(samples: readonly (readonly GlFactors[])[], target: Target, options: NetworkOptions): GlNetModel {
  const first = samples[0] ?? [];
  const [h, ...headHidden] = options.hidden;
  const t = networkTarget(target);
  const shape: GlNetShape = {
    modules: first.map((f) => [f.m, f.n] as const),
    h,
    head: { sizes: [first.length * moduleFeatureCount(h), ...(headHidden.length > 0 ? headHidden : [8]), outputCount(t)], activation: 'tanh' },
  };
  const traces = samples.map(adapterTraces);
  const standardizer = fitGlStandardizer(h, traces, first.length);
  const params = initGlNet(shape, new SeededRandom(options.seed));
  const adam = new Adam(params.length, options.learningRate);
  let finalLoss = NaN;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const { loss, grad } = glnetObjective(shape, params, samples, traces, standardizer, t, options.weightDecay);
    adam.step(params, grad);
    finalLoss = loss;
  }
  return { kind: 'glnet', shape, params, standardizer, outputHead: headOf(t), weightDecay: options.weightDecay, epochs: options.epochs, finalLoss };
}

/** Outputs for adapters (values or probabilities), n×outputs. */
export function predictGlNet(model: GlNetModel, samples: readonly (readonly GlFactors[])[]): Float64Array {
  const offsets = glnetOffsets(model.shape);
  const { x } = headInputs(model.shape, model.params, samples, samples.map(adapterTraces), model.standardizer);
  const forward = denseForward(model.shape.head, model.params, x, samples.length, offsets.head);
  return interpretOutputs(forward.acts[forward.acts.length - 1], samples.length, model.outputHead);
}
