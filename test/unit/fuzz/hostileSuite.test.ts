import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { allCases } from '../../fuzz/cases';
import { runCases } from '../../fuzz/runner';
import { countTable, defectList } from '../../fuzz/table';

/**
 * The hostile-input suite (test/fuzz/) against the built CLI, its light cases (the heavy ones run
 * with `npm run fuzz`): no case may crash, hang or answer wrongly.
 */
test('no hostile input crashes, hangs or gets a silently wrong answer', { timeout: 900_000 }, async () => {
  const cases = allCases().filter((c) => !c.heavy);
  const outcomes = await runCases(cases, 2);
  const table = countTable(outcomes);
  assert.equal(outcomes.length, cases.length);
  assert.deepEqual(defectList(outcomes), [], `\n${table}\n`);
});
