import type { SeededRandom } from '../../zoo/random';

/** The hidden layers' nonlinearity; the output layer is linear. */
export type Activation = 'tanh' | 'relu';

/**
 * A fully connected network's shape: sizes [input, hidden…, output]. Its parameters live in one
 * flat vector (see denseOffsets), so one Adam serves a whole model, a GL-net's head included.
 */
export interface DenseShape {
  readonly sizes: readonly number[];
  readonly activation: Activation;
}

/** Where layer l's W (in×out, row-major) and b (out) start in the flat vector (from `base`). */
export function denseOffsets(shape: DenseShape, base = 0): { readonly w: number; readonly b: number; readonly fanIn: number; readonly fanOut: number }[] {
  const out: { w: number; b: number; fanIn: number; fanOut: number }[] = [];
  let at = base;
  for (let l = 0; l + 1 < shape.sizes.length; l++) {
    const fanIn = shape.sizes[l];
    const fanOut = shape.sizes[l + 1];
    out.push({ w: at, b: at + fanIn * fanOut, fanIn, fanOut });
    at += fanIn * fanOut + fanOut;
  }
  return out;
}

export function denseParamCount(shape: DenseShape): number {
  return shape.sizes.slice(1).reduce((s, out, l) => s + (shape.sizes[l] + 1) * out, 0);
}

/**
 * Draws the weights into `params` from `base`: N(0, g/fanIn) with g = 1 for tanh and 2 for ReLU
 * (keeps the pre-activations' variance near 1 layer after layer); biases zero.
 */
export function initDense(shape: DenseShape, params: Float64Array, rng: SeededRandom, base = 0): void {
  const gain = shape.activation === 'relu' ? 2 : 1;
  for (const o of denseOffsets(shape, base)) {
    const sd = Math.sqrt(gain / o.fanIn);
    for (let i = 0; i < o.fanIn * o.fanOut; i++) params[o.w + i] = rng.normal() * sd;
    params.fill(0, o.b, o.b + o.fanOut);
  }
}

/** Every layer's output for a batch: acts[0] the input (rows×input), acts[l] after layer l (activated, but the last linear). */
export interface DenseActivations {
  readonly rows: number;
  readonly acts: readonly Float64Array[];
}

export function denseForward(shape: DenseShape, params: Float64Array, x: Float64Array, rows: number, base = 0): DenseActivations {
  const offsets = denseOffsets(shape, base);
  const acts: Float64Array[] = [x];
  offsets.forEach((o, l) => {
    const input = acts[l];
    const out = new Float64Array(rows * o.fanOut);
    const last = l === offsets.length - 1;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < o.fanOut; j++) {
        let t = params[o.b + j];
        for (let k = 0; k < o.fanIn; k++) t += input[r * o.fanIn + k] * params[o.w + k * o.fanOut + j];
        out[r * o.fanOut + j] = last ? t : shape.activation === 'tanh' ? Math.tanh(t) : Math.max(0, t);
      }
    }
    acts.push(out);
  });
  return { rows, acts };
}

/**
 * Backpropagates dLoss/dOutput (rows×output) through the network: adds the parameters'
 * gradient into `grad` (same flat layout) and returns dLoss/dInput (rows×input). ReLU's
 * derivative at exactly 0 is taken as 0.
 */
export function denseBackward(shape: DenseShape, params: Float64Array, forward: DenseActivations, dOut: Float64Array, grad: Float64Array, base = 0): Float64Array {
  const offsets = denseOffsets(shape, base);
  const rows = forward.rows;
  let delta = dOut;
  for (let l = offsets.length - 1; l >= 0; l--) {
    const o = offsets[l];
    const input = forward.acts[l];
    const dInput = new Float64Array(rows * o.fanIn);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < o.fanOut; j++) {
        const d = delta[r * o.fanOut + j];
        if (d === 0) continue;
        grad[o.b + j] += d;
        for (let k = 0; k < o.fanIn; k++) {
          grad[o.w + k * o.fanOut + j] += input[r * o.fanIn + k] * d;
          dInput[r * o.fanIn + k] += params[o.w + k * o.fanOut + j] * d;
        }
      }
    }
    if (l > 0) {
      // Through the previous layer's activation: tanh' = 1 − a², ReLU' = [a > 0].
      for (let i = 0; i < dInput.length; i++) dInput[i] *= shape.activation === 'tanh' ? 1 - input[i] * input[i] : input[i] > 0 ? 1 : 0;
    }
    delta = dInput;
  }
  return delta;
}

/** (wd/2)·Σ W² over the weight matrices (not the biases); adds wd·W into `grad`. */
export function weightDecay(shape: DenseShape, params: Float64Array, grad: Float64Array, wd: number, base = 0): number {
  let penalty = 0;
  for (const o of denseOffsets(shape, base)) {
    for (let i = o.w; i < o.w + o.fanIn * o.fanOut; i++) {
      penalty += 0.5 * wd * params[i] * params[i];
      grad[i] += wd * params[i];
    }
  }
  return penalty;
}
