import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { allCases } from '../../fuzz/cases';
import { runCases } from '../../fuzz/runner';
import { countTable, defectList } from '../../fuzz/table';

/**
 * The hostile-input suite (test/fuzz/) against the built CLI, its light cases (the heavy ones run
 * with `npm run fuzz`): no case may crash, hang or answer wrongly. A case that waits for a named
 * fix is reported but does not fail the test until that fix lands and its mark is removed.
 */
test('no hostile input crashes, hangs or gets a silently wrong answer', { timeout: 900_000 }, async () => {
  const cases = allCases().filter((c) => !c.heavy);
  const outcomes = await runCases(cases, 2);
  const table = countTable(outcomes);
  const defects = defectList(outcomes.filter((o) => o.awaits === undefined));
  const awaiting = defectList(outcomes.filter((o) => o.awaits !== undefined));
  if (awaiting.length > 0) process.stdout.write(`# hostile cases that wait for a fix:\n${awaiting.map((l) => `#   ${l}`).join('\n')}\n`);
  assert.equal(outcomes.length, cases.length);
  assert.deepEqual(defects, [], `\n${table}\n`);
});
