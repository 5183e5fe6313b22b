import { strict as assert } from 'node:assert';
import type { Rng } from '../../helpers/random';

/**
 * Compares an analytic gradient with central differences (f(p + h) − f(p − h))/2h on up to
 * `samples` randomly chosen coordinates. For smooth objectives in float64 the difference's
 * truncation error is O(h²·f''') ≈ 1e-10 at h = 1e-5 and its rounding error ε·|f|/h ≈ 1e-11,
 * so agreement to 1e-6 relative (plus 1e-8 absolute for near-zero entries) is a real check:
 * a wrong factor or a missing term is off by O(1).
 */
export function checkGradient(objective: (p: Float64Array) => number, params: Float64Array, grad: Float64Array, rng: Rng, label: string, samples = 80, h = 1e-5): void {
  const picks = params.length <= samples ? Array.from({ length: params.length }, (_, i) => i) : Array.from({ length: samples }, () => rng.int(0, params.length - 1));
  for (const i of picks) {
    const saved = params[i];
    params[i] = saved + h;
    const up = objective(params);
    params[i] = saved - h;
    const down = objective(params);
    params[i] = saved;
    const fd = (up - down) / (2 * h);
    assert.ok(
      Math.abs(fd - grad[i]) <= 1e-6 * Math.max(Math.abs(fd), Math.abs(grad[i])) + 1e-8,
      `${label} parameter ${i}: analytic ${grad[i]} vs finite difference ${fd} ${rng.tag}`,
    );
  }
}
