/**
 * Adam (Kingma & Ba) over one flat parameter vector, with bias-corrected moments. The weight
 * decay is part of the objective (an L2 term in its gradient), not decoupled, so the gradient
 * check covers it.
 */
export class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(
    size: number,
    private readonly learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** One step: params ← params − lr·m̂/(√v̂ + ε), in place. */
  step(params: Float64Array, grad: Float64Array): void {
    this.t++;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    for (let i = 0; i < params.length; i++) {
      this.m[i] = this.beta1 * this.m[i] + (1 - this.beta1) * grad[i];
      this.v[i] = this.beta2 * this.v[i] + (1 - this.beta2) * grad[i] * grad[i];
      params[i] -= (this.learningRate * (this.m[i] / c1)) / (Math.sqrt(this.v[i] / c2) + this.epsilon);
    }
  }
}
