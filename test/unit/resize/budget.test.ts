import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { ResizeError } from '../../../src/core/resize/errors';
import { recommendRanks, type RankInput } from '../../../src/core/resize/recommend';
import { Rng } from '../../helpers/random';

/** Random descending spectra with a spread, so greedy choices are not decided by ties. */
function layers(rng: Rng, count: number, widths: readonly number[]): RankInput[] {
  return Array.from({ length: count }, (_, j) => {
    const r = 1 + Math.floor(rng.next() * 4);
    const sigma = Float64Array.from({ length: r }, () => Math.exp(2 * rng.gaussian()))
      .sort()
      .reverse();
    const w = widths[j % widths.length];
    return { name: `m${j}`, shape: [w, w + 1] as [number, number], rank: r, sigma };
  });
}

/** Every allocation with 1 ≤ k_j ≤ r_j: the best kept energy within the budget, by enumeration. */
function bruteForce(ls: readonly RankInput[], budget: number, cost: (l: RankInput) => number): number {
  let best = -1;
  const k = ls.map(() => 1);
  const visit = (j: number): void => {
    if (j === ls.length) {
      const spent = ls.reduce((a, l, i) => a + k[i] * cost(l), 0);
      if (spent > budget) return;
      const kept = ls.reduce((a, l, i) => a + l.sigma.slice(0, k[i]).reduce((s, x) => s + x * x, 0), 0);
      best = Math.max(best, kept);
      return;
    }
    for (let v = 1; v <= ls[j].rank; v++) {
      k[j] = v;
      visit(j + 1);
    }
  };
  visit(0);
  return best;
}

const keptEnergy = (ls: readonly RankInput[], ks: readonly number[]): number => ls.reduce((a, l, i) => a + l.sigma.slice(0, ks[i]).reduce((s, x) => s + x * x, 0), 0);

test('rank budget: greedy by σ² keeps the most energy of any allocation (brute force over small cases)', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 40; trial++) {
    const ls = layers(rng, 2 + Math.floor(rng.next() * 4), [8, 5, 11]);
    const capacity = ls.reduce((a, l) => a + l.rank, 0);
    const total = ls.length + Math.floor(rng.next() * (capacity - ls.length + 2));
    const plan = recommendRanks(ls, { kind: 'budget', unit: 'rank', total });
    const ks = plan.layers.map((l) => l.kept);
    assert.ok(ks.reduce((a, b) => a + b, 0) <= total, rng.tag);
    assert.ok(
      ks.every((k) => k >= 1),
      rng.tag,
    );
    const best = bruteForce(ls, total, () => 1);
    // Both sums add the same kind of positive terms: equal up to float64 summation order.
    assert.ok(Math.abs(keptEnergy(ls, ks) - best) <= 1e-12 * best, `trial ${trial}: greedy ${keptEnergy(ls, ks)} vs best ${best} ${rng.tag}`);
  }
});

test('parameter budget: optimal when modules cost the same, within one component of optimal otherwise', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 40; trial++) {
    const equal = trial % 2 === 0;
    const ls = layers(rng, 2 + Math.floor(rng.next() * 3), equal ? [6] : [3, 9, 14]);
    const cost = (l: RankInput) => l.shape[0] + l.shape[1];
    const minimum = ls.reduce((a, l) => a + cost(l), 0);
    const maximum = ls.reduce((a, l) => a + l.rank * cost(l), 0);
    const total = minimum + Math.floor(rng.next() * (maximum - minimum + 1));
    const plan = recommendRanks(ls, { kind: 'budget', unit: 'params', total });
    assert.ok(plan.paramsAfter <= total, rng.tag);
    const got = keptEnergy(
      ls,
      plan.layers.map((l) => l.kept),
    );
    const best = bruteForce(ls, total, cost);
    // The greedy order by σ² per parameter is the fractional knapsack's, so the greedy set is
    // short of the optimum by at most the largest single component it could not add.
    const slack = equal ? 1e-12 * best : Math.max(...ls.map((l) => l.sigma[1] ?? 0)) ** 2 + 1e-12 * best;
    assert.ok(got >= best - slack, `trial ${trial}: greedy ${got} vs best ${best} ${rng.tag}`);
  }
});

test('a budget below one component per module is BUDGET_TOO_SMALL, said in numbers', () => {
  const ls: RankInput[] = [0, 1, 2].map((j) => ({ name: `m${j}`, shape: [4, 6], rank: 2, sigma: Float64Array.from([2, 1]) }));
  assert.throws(
    () => recommendRanks(ls, { kind: 'budget', unit: 'rank', total: 2 }),
    (e: unknown) => e instanceof ResizeError && e.code === 'BUDGET_TOO_SMALL' && /3 modules/.test(e.message),
  );
  assert.throws(
    () => recommendRanks(ls, { kind: 'budget', unit: 'params', total: 29 }),
    (e: unknown) => e instanceof ResizeError && e.code === 'BUDGET_TOO_SMALL' && /30/.test(e.message),
  );
  assert.deepEqual(
    recommendRanks(ls, { kind: 'budget', unit: 'params', total: 30 }).layers.map((l) => l.kept),
    [1, 1, 1],
  );
});
