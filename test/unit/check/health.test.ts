import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { HEALTH_CODES } from '../../../src/core/check/healthCodes';
import { Rng } from '../../helpers/random';
import { findingsOf, peftConfig, peftName, peftTensors, RANK, withCode, type ModuleTweak } from './healthFixtures';

/** Each spectrum finding: a generated PEFT adapter that triggers it and a clean one that does not. */

const target = peftName(2, 'v_proj');

async function run(rng: Rng, tweak: ModuleTweak | null, config = peftConfig()) {
  return findingsOf(peftTensors(rng, new Map(tweak ? [[target, tweak]] : [])), { config });
}

test('a clean adapter has no health findings', async () => {
  const rng = Rng.fresh();
  assert.deepEqual(await run(rng, null), [], rng.tag);
});

test('NaN in a factor is an error naming the module', async () => {
  const rng = Rng.fresh();
  const found = withCode(await run(rng, { nanInA: true }), HEALTH_CODES.nonFinite);
  assert.equal(found.length, 1, rng.tag);
  assert.equal(found[0].severity, 'error');
  assert.deepEqual(found[0].modules, [target]);
});

test('an all-zero B and a negligible module are warned about; their peers are not', async () => {
  const rng = Rng.fresh();
  for (const bScale of [0, 1e-7]) {
    const found = withCode(await run(rng, { bScale }), HEALTH_CODES.negligible);
    assert.equal(found.length, 1, `bScale ${bScale} ${rng.tag}`);
    assert.equal(found[0].severity, 'warning');
    assert.deepEqual(found[0].modules, [target]);
  }
  // A module a hundred times smaller than its peers is trained, just small.
  assert.deepEqual(withCode(await run(rng, { bScale: 1e-2 }), HEALTH_CODES.negligible), [], rng.tag);
});

test('a rank-1 spike among peers is a warning; a module merely led by its top direction is not', async () => {
  const rng = Rng.fresh();
  const spike = [300, ...Array.from({ length: RANK - 1 }, () => 1)];
  const found = withCode(await run(rng, { rowScales: spike }), HEALTH_CODES.spike);
  assert.equal(found.length, 1, rng.tag);
  assert.equal(found[0].severity, 'warning');
  assert.deepEqual(found[0].modules, [target]);
  const mild = [2, ...Array.from({ length: RANK - 1 }, () => 1)];
  assert.deepEqual(withCode(await run(rng, { rowScales: mild }), HEALTH_CODES.spike), [], rng.tag);
});

test('low utilization is a note with the resize to r95 and its error', async () => {
  const rng = Rng.fresh();
  const twoUsed = [1, 1, ...Array.from({ length: RANK - 2 }, () => 1e-3)];
  const found = withCode(await run(rng, { rowScales: twoUsed }), HEALTH_CODES.lowUtilization);
  assert.equal(found.length, 1, rng.tag);
  assert.equal(found[0].severity, 'note');
  assert.deepEqual(found[0].modules, [target]);
  assert.match(found[0].message, /resizing to rank 2 keeps it with a relative Frobenius error of 0\.\d\d %/);
  // Half the rank used is not "far below".
  const halfUsed = [1, 1, 1, 1, ...Array.from({ length: RANK - 4 }, () => 1e-3)];
  assert.deepEqual(withCode(await run(rng, { rowScales: halfUsed }), HEALTH_CODES.lowUtilization), [], rng.tag);
});

test('F16 factors near overflow are a warning; ordinary F16 factors are not', async () => {
  const rng = Rng.fresh();
  const found = withCode(await run(rng, { dtype: 'F16', bPeak: 40000 }), HEALTH_CODES.f16Overflow);
  assert.equal(found.length, 1, rng.tag);
  assert.equal(found[0].severity, 'warning');
  assert.deepEqual(found[0].modules, [target]);
  assert.match(found[0].message, /up to 40000/);
  assert.deepEqual(withCode(await run(rng, { dtype: 'F16', bPeak: 30000 }), HEALTH_CODES.f16Overflow), [], rng.tag);
});
