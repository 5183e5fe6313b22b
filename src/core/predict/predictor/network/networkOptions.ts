/** Training epochs (full-batch Adam steps) when --epochs is not given. */
export const DEFAULT_EPOCHS = 300;

/**
 * Hidden sizes when --hidden is not given: the zoo has tens of adapters, so the networks stay
 * tiny. mlp: one hidden layer; glnet: the equivariant layer's h, then the head's hidden layer.
 */
export const DEFAULT_HIDDEN = { mlp: [16], glnet: [4, 8] } as const;

/**
 * The largest hidden size accepted. Training is plain TypeScript (full batch, float64); beyond
 * 64 units a zoo of a few hundred adapters would take minutes per fold.
 */
export const MAX_HIDDEN = 64;

/** How a network is trained: sizes, full-batch Adam steps, step size, L2 weight decay, seed. */
export interface NetworkOptions {
  readonly hidden: readonly number[];
  readonly epochs: number;
  readonly learningRate: number;
  readonly weightDecay: number;
  readonly seed: number;
  /** Early stopping: steps without a better validation loss before training stops (fitLoop). */
  readonly patience?: number;
}
