/** Training epochs (full-batch Adam steps) when --epochs is not given: the most; early stopping usually ends sooner. */
export const DEFAULT_EPOCHS = 300;

/**
 * Hidden sizes when --hidden is not given: the zoo has tens of adapters, so the networks stay
 * small. mlp: one hidden layer; glnet: one equivariant layer of width 2, then the head's hidden
 * layer of 8 (see glnetWidths). Narrow and shallow because the head reads h² bilinear features
 * per module and a zoo has tens of rows: on the 48-adapter demo zoo alignment_u held out at
 * R² 0.60 with h = 2, 0.35 with h = 4, 0.15 with h = 8; on 150 generated adapters a second,
 * gated layer held out worse than one (uᵀΔWv: R² 0.50–0.72 against 0.96). Wider and deeper nets
 * (`--hidden 8,16`, `8,8,16`) are for larger zoos and targets of higher rank in ΔW.
 */
export const DEFAULT_HIDDEN = { mlp: [16], glnet: [2, 8] } as const;

/**
 * The largest hidden size accepted. Training is plain TypeScript (full batch, float64); beyond
 * 64 units a zoo of a few hundred adapters would take minutes per fold.
 */
export const MAX_HIDDEN = 64;

/** The most equivariant layers of a GL-net (so --hidden takes at most this + 1 sizes for glnet). */
export const MAX_GLNET_LAYERS = 3;

/** The GL-net head's hidden width when --hidden names the equivariant width only. */
export const DEFAULT_GLNET_HEAD = 8;

/**
 * How a GL-net reads `hidden`: with one size, one equivariant layer of that width and a head of
 * width DEFAULT_GLNET_HEAD; with k ≥ 2 sizes, the first k − 1 are the equivariant widths
 * h₁…h_L (layer 1 reads the factors, each further one is the paper's gate then an h_l×h_{l−1}
 * layer) and the last is the head's hidden width. So `4,8` keeps its old meaning (h = 4, head 8).
 */
export function glnetWidths(hidden: readonly number[]): { readonly equivariant: readonly number[]; readonly head: readonly number[] } {
  if (hidden.length <= 1) return { equivariant: hidden.length === 1 ? [hidden[0]] : [DEFAULT_HIDDEN.glnet[0]], head: [DEFAULT_GLNET_HEAD] };
  return { equivariant: hidden.slice(0, -1), head: hidden.slice(-1) };
}

/**
 * How a network is trained: sizes, the most full-batch Adam steps, step size, L2 weight decay
 * (the MLP's on every weight matrix; the GL-net's on its head only, see glnet.ts), seed.
 */
export interface NetworkOptions {
  readonly hidden: readonly number[];
  readonly epochs: number;
  readonly learningRate: number;
  readonly weightDecay: number;
  readonly seed: number;
  /** Early stopping: steps without a better validation loss before training stops (fitLoop). */
  readonly patience?: number;
}
