import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { Rng } from '../../helpers/random';
import { cumulativeEnergy, SIGMA_FLOOR, sigmaDomain, spectrumModel } from '../../../webview/model/spectrumModel';

function randomSpectrum(rng: Rng, r: number): Float64Array {
  const values = Array.from({ length: r }, () => Math.exp(rng.next() * 12 - 6));
  return Float64Array.from(values.sort((a, b) => b - a));
}

test('cumulative energy matches the energy left out of each tail, computed from the end', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 20; trial++) {
    const sigma = randomSpectrum(rng, rng.int(1, 40));
    const energy = cumulativeEnergy(sigma);
    const squares = Array.from(sigma, (s) => s * s);
    const total = squares.reduceRight((a, b) => a + b, 0);
    let tail = 0;
    for (let k = sigma.length - 1; k >= 0; k--) {
      // Σ_{i≤k} p_i = 1 − Σ_{i>k} p_i, with the tail summed from the smallest value up.
      const expected = 1 - tail / total;
      assert.ok(Math.abs(energy[k] - expected) < 1e-12, `seed ${rng.seed}, k=${k}: ${energy[k]} vs ${expected}`);
      tail += squares[k];
    }
    assert.ok(Math.abs(energy[sigma.length - 1] - 1) < 1e-12);
  }
  assert.deepEqual([...cumulativeEnergy(new Float64Array([0, 0]))], [0, 0]);
});

test('the log axis spans the smallest kept σ to the largest, ignoring zeros and rounding noise', () => {
  const a = { index: 0, name: 'a', singularValues: new Float64Array([10, 2, 1e-20, 0]) };
  const b = { index: 1, name: 'b', singularValues: new Float64Array([4, 0.5]) };
  assert.deepEqual(sigmaDomain([a, b]), [0.5, 10]);
  assert.deepEqual(sigmaDomain([{ index: 2, name: 'z', singularValues: new Float64Array([0, 0]) }]), [1e-3, 1]);
  const one = sigmaDomain([{ index: 3, name: 'one', singularValues: new Float64Array([3]) }]);
  assert.ok(one[0] < 3 && one[1] > 3, 'a single value still gets a range around it');
});

test('points are placed at log positions, values under the floor are left out', () => {
  const sigma = new Float64Array([100, 10, 1, 0.1, 100 * SIGMA_FLOOR * 0.5]);
  const model = spectrumModel([{ index: 5, name: 'l', singularValues: sigma }], 600, 400);
  const [series] = model.series;
  assert.equal(series.sigma.length, 8, 'four of five values kept as x,y pairs');
  // Equal ratios are equal steps on a log axis.
  const ys = [1, 3, 5, 7].map((i) => series.sigma[i]);
  const steps = ys.slice(1).map((y, i) => y - ys[i]);
  for (const s of steps) assert.ok(Math.abs(s - steps[0]) < 1e-9 && s > 0, `steps ${steps}`);
  const xs = [0, 2, 4, 6].map((i) => series.sigma[i]);
  assert.deepEqual(
    xs,
    [1, 2, 3, 4].map((i) => model.x(i)),
  );
  // The energy panel ends at 100 %, at the top of its box.
  assert.ok(Math.abs(series.energy[series.energy.length - 1] - model.energyBox.top) < 1e-9);
  assert.ok(model.sigmaBox.bottom < model.energyBox.top, 'the panels do not overlap');
});
