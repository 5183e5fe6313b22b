import { strict as assert } from 'node:assert';
import type { Matrix } from '../../src/core/linalg/matrix';
import type { Svd } from '../../src/core/linalg/svd';
import { gaussian, logSpaced, scaleRows, toColumnMajor } from './factors';
import { asDD, frobenius, orthonormalityError, reconstructionError, relativeErrors, shuffled } from './linalgChecks';
import type { Rng } from './random';
import { referenceSingularValues } from './referenceSvd';

const EPS = Number.EPSILON;

/**
 * Runs `svd` on a 64×64 row-graded D·Z (Z Gaussian, D log-spaced over the spread, shuffled) for
 * each spread: U·Σ·Vᵀ = A and U, V orthonormal to 4·64·ε, and, for the spreads at the indices in
 * `referenced` (the double-double reference costs seconds at this size), every σ within
 * 16·κ(Z)·ε of it. Returns the worst relative error seen over κ(Z)·ε.
 */
export function checkRowGraded64(rng: Rng, svd: (a: Matrix) => Svd, spreads: readonly number[], referenced: readonly number[]): number {
  let worst = 0;
  spreads.forEach((spread, trial) => {
    const Z = gaussian(rng, 64, 64);
    const X = scaleRows(Z, shuffled(rng, logSpaced(64, spread)));
    const A = toColumnMajor(X);
    const { U, V, values } = svd(A);
    assert.ok(U && V && reconstructionError(U, values, V, A) <= 4 * 64 * EPS * frobenius(A), `‖UΣVᵀ − A‖, spread ${spread} ${rng.tag}`);
    assert.ok(orthonormalityError(U) <= 4 * 64 * EPS && orthonormalityError(V) <= 4 * 64 * EPS, `orthonormal U, V, spread ${spread} ${rng.tag}`);
    if (!referenced.includes(trial)) return;
    const z = referenceSingularValues(asDD(Z));
    const kappa = z[0] / z[63];
    const want = referenceSingularValues(asDD(X));
    const { error, index } = relativeErrors(values, want);
    worst = Math.max(worst, error / (kappa * EPS));
    assert.ok(error <= 16 * kappa * EPS, `spread ${spread}, κ(Z) = ${kappa}: σ${index + 1}/σ1 = ${want[index] / want[0]}, relative error ${error} ${rng.tag}`);
  });
  return worst;
}
