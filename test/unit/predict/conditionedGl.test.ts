import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { jacobiSvd } from '../../../src/core/linalg/jacobiSvd';
import { conditionedGl } from '../../../src/core/predict/predictor/glReparam';
import { CONDITION_NUMBERS, INVARIANCE_TOLERANCE, toleranceAt } from '../../../src/core/predict/predictor/invariance';
import { Rng } from '../../helpers/random';

test('conditionedGl draws R with the asked condition number and an inverse good to ~cond·ε', () => {
  const rng = Rng.fresh();
  for (const r of [2, 3, 5, 8]) {
    for (const cond of CONDITION_NUMBERS) {
      const g = conditionedGl(r, cond, rng);
      // Row-major R read as column-major is Rᵀ: the same singular values.
      const sigma = jacobiSvd({ rows: r, cols: r, data: g.R.slice() }, false).values;
      const measured = sigma[0] / sigma[r - 1];
      assert.ok(Math.abs(measured / cond - 1) <= 1e-8, `r ${r}: cond ${measured} for ${cond} ${rng.tag}`);
      assert.ok(Math.abs(sigma[0] - 1) <= 1e-12, `r ${r}: σ₁ ${sigma[0]} ${rng.tag}`);
      let worst = 0;
      for (let i = 0; i < r; i++)
        for (let j = 0; j < r; j++) {
          let p = 0;
          for (let k = 0; k < r; k++) p += g.inverse[i * r + k] * g.R[k * r + j];
          worst = Math.max(worst, Math.abs(p - (i === j ? 1 : 0)));
        }
      assert.ok(worst <= 10 * r * cond * Number.EPSILON, `r ${r}, cond ${cond}: ‖R⁻¹R − I‖ ${worst} ${rng.tag}`);
    }
  }
  assert.deepEqual(conditionedGl(1, 1e6, rng).R.map(Math.abs), Float64Array.of(1), 'a 1×1 R has condition 1');
  assert.throws(() => conditionedGl(3, 0.5, rng), RangeError);
});

test('the conditioned tolerances start at the fixed one and grow with cond: like cond for spectra, cond² for the GL-net', () => {
  assert.deepEqual([...CONDITION_NUMBERS], [1, 1e2, 1e4, 1e6]);
  assert.equal(toleranceAt(1, 'features'), INVARIANCE_TOLERANCE);
  assert.equal(toleranceAt(1, 'factors'), INVARIANCE_TOLERANCE);
  assert.equal(toleranceAt(1e6, 'features'), INVARIANCE_TOLERANCE);
  assert.ok(Math.abs(toleranceAt(1e8, 'features') / (1e12 * Number.EPSILON) - 1) < 1e-12);
  assert.ok(Math.abs(toleranceAt(1e6, 'factors') / (1e14 * Number.EPSILON) - 1) < 1e-12);
});
