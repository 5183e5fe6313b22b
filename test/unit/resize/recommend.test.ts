import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { ResizeError } from '../../../src/core/resize/errors';
import { kohyaRank } from '../../../src/core/resize/kohyaRules';
import { describeRankMethod, parseRankMethod, rankMethodDeprecation, recommendRanks, type RankInput } from '../../../src/core/resize/recommend';
import { Rng } from '../../helpers/random';

const layer = (name: string, sigma: number[], shape: [number, number] = [16, 12], rank = sigma.length): RankInput => ({ name, shape, rank, sigma: Float64Array.from(sigma) });

test('energy rule: smallest k whose top-k energy reaches the level, hand-computed', () => {
  // σ² = 16, 9, 4, 1 (total 30): cumulative 16/30 = 0.533, 25/30 = 0.833, 29/30 = 0.967, 1.
  const l = layer('q', [4, 3, 2, 1]);
  const ks = [0.5, 0.6, 0.9, 0.97, 1].map((level) => recommendRanks([l], { kind: 'energy', level }).layers[0].kept);
  assert.deepEqual(ks, [1, 2, 3, 4, 4]);
  const plan = recommendRanks([l], { kind: 'energy', level: 0.9 });
  assert.ok(Math.abs(plan.layers[0].relativeError - Math.sqrt(1 / 30)) < 1e-15);
  assert.equal(plan.layers[0].paramsBefore, 4 * 28);
  assert.equal(plan.layers[0].paramsAfter, 3 * 28);
});

test('σ-above-mean rule counts σ_i/Σσ ≥ 1/r, and a zero ΔW keeps 0 under energy and above_mean', () => {
  // Σσ = 10, r = 4: σ_i ≥ 2.5 → 4 and 3 (and not 2, 1).
  assert.equal(recommendRanks([layer('q', [4, 3, 2, 1])], { kind: 'above_mean' }).layers[0].kept, 2);
  const zero = layer('z', [0, 0, 0]);
  assert.equal(recommendRanks([zero], { kind: 'energy', level: 0.95 }).layers[0].kept, 0);
  assert.equal(recommendRanks([zero], { kind: 'above_mean' }).layers[0].kept, 0);
  assert.equal(recommendRanks([zero], { kind: 'energy', level: 0.95 }).layers[0].relativeError, 0);
});

test('kohya rules reproduce resize_lora.py, clamps and "+1" included (cases worked by hand from its source)', () => {
  // S = [8, 4, 2, 1] padded with zeros to L = min(m, n) = 12.
  const S = Float64Array.from([8, 4, 2, 1]);
  // sv_ratio 3: S > 8/3 → {8, 4}: index 2, new_rank 3.
  assert.equal(kohyaRank(S, 12, 'sv_ratio', 3), 3);
  // sv_ratio 1: S > 8 → none: index clamped to 1, new_rank 2.
  assert.equal(kohyaRank(S, 12, 'sv_ratio', 1), 2);
  // sv_cumulative 0.8: cumsum/15 = [.533, .8, .933, 1]: searchsorted(left) 0.8 → 1; index 2; new_rank 3.
  assert.equal(kohyaRank(S, 12, 'sv_cumulative', 0.8), 3);
  // sv_fro 0.9: cumsum(S²)/85 = [.753, .941, .988, 1]; target² = 0.81 → 1; index 2; new_rank 3.
  assert.equal(kohyaRank(S, 12, 'sv_fro', 0.9), 3);
  // sv_fro 1: the fourth cumulative sum is exactly 85/85 = 1, so searchsorted gives 3; index 4, new_rank 5.
  assert.equal(kohyaRank(S, 12, 'sv_fro', 1), 5);
  // clamp at len(S) − 1 = 2 for a 3-wide matrix: index ≤ 2, new_rank ≤ 3.
  assert.equal(kohyaRank(Float64Array.from([1, 1, 1]), 3, 'sv_ratio', 2), 3);
  // a zero matrix (S[0] ≤ 1e-6) keeps rank 1.
  assert.equal(kohyaRank(Float64Array.from([1e-7, 0]), 12, 'sv_fro', 0.5), 1);
  // capped at the module's current rank in the plan.
  const plan = recommendRanks([layer('q', [8, 4, 2, 1])], { kind: 'sv_fro', target: 1 });
  assert.equal(plan.layers[0].kept, 4);
});

test('fixed keeps min(rank, current); plan totals add up over layers', () => {
  const rng = Rng.fresh();
  const layers = [8, 4, 16].map((r, j) =>
    layer(
      `m${j}`,
      Array.from(rng.gaussians(r), Math.abs).sort((a, b) => b - a),
      [10 + j, 20],
      r,
    ),
  );
  const plan = recommendRanks(layers, { kind: 'fixed', rank: 6 });
  assert.deepEqual(
    plan.layers.map((l) => l.kept),
    [6, 4, 6],
    rng.tag,
  );
  assert.equal(
    plan.paramsAfter,
    plan.layers.reduce((a, l) => a + l.paramsAfter, 0),
  );
  let tail = 0;
  let total = 0;
  layers.forEach((l, j) =>
    l.sigma.forEach((s, i) => {
      total += s * s;
      if (i >= plan.layers[j].kept) tail += s * s;
    }),
  );
  assert.ok(Math.abs(plan.overallRelativeError - Math.sqrt(tail / total)) <= 1e-14 * Math.sqrt(tail / total) + 1e-300, rng.tag);
});

test('parseRankMethod reads the CLI/UI spellings and rejects bad text with INVALID_METHOD', () => {
  assert.deepEqual(parseRankMethod('energy'), { kind: 'energy', level: 0.95 });
  assert.deepEqual(parseRankMethod('energy:0.9'), { kind: 'energy', level: 0.9 });
  assert.deepEqual(parseRankMethod('energy:99%'), { kind: 'energy', level: 0.99 });
  assert.deepEqual(parseRankMethod('sv_ratio:2'), { kind: 'sv_ratio', ratio: 2 });
  assert.deepEqual(parseRankMethod('sv_fro:0.9'), { kind: 'sv_fro', target: 0.9 });
  assert.deepEqual(parseRankMethod('sv_cumulative:0.5'), { kind: 'sv_cumulative', target: 0.5 });
  assert.deepEqual(parseRankMethod('fixed:8'), { kind: 'fixed', rank: 8 });
  assert.deepEqual(parseRankMethod('budget:rank:256'), { kind: 'budget', unit: 'rank', total: 256 });
  assert.deepEqual(parseRankMethod('budget:params:1e6'), { kind: 'budget', unit: 'params', total: 1e6 });
  assert.deepEqual(parseRankMethod('budget-params:2000'), { kind: 'budget', unit: 'params', total: 2000 });
  for (const bad of ['', 'energy:1.5', 'energy:x', 'auto:3', 'sv_ratio:0.5', 'sv_fro:0', 'fixed:2.5', 'fixed:0', 'budget:rank', 'budget:bytes:9', 'budget:rank:1.5', 'svd:3']) {
    assert.throws(
      () => parseRankMethod(bad),
      (e: unknown) => e instanceof ResizeError && e.code === 'INVALID_METHOD' && e.message.includes(bad),
      bad,
    );
  }
  assert.equal(describeRankMethod({ kind: 'energy', level: 0.95 }), '95 % energy');
  assert.equal(describeRankMethod({ kind: 'sv_fro', target: 0.9 }), 'kohya sv_fro 0.9');
});

test('the σ-above-mean rule is named for what it is; "auto" is still read, as a deprecated name with a warning', () => {
  assert.deepEqual(parseRankMethod('above_mean'), { kind: 'above_mean' });
  assert.deepEqual(parseRankMethod('above-mean'), { kind: 'above_mean' });
  assert.deepEqual(parseRankMethod('auto'), { kind: 'above_mean' });
  assert.deepEqual(parseRankMethod(' AUTO '), { kind: 'above_mean' });
  assert.match(rankMethodDeprecation('auto') ?? '', /"auto" is deprecated: use "above_mean".*not AutoLoRA/);
  assert.equal(rankMethodDeprecation('above_mean'), null);
  assert.equal(rankMethodDeprecation('energy:0.9'), null);
  assert.throws(
    () => parseRankMethod('auto:3'),
    (e: unknown) => e instanceof ResizeError && /auto with no parameter/.test(e.message),
  );
  const label = describeRankMethod({ kind: 'above_mean' });
  assert.match(label, /σ-above-mean/);
  assert.doesNotMatch(label, /AutoLoRA/);
});
