import { availableParallelism } from 'node:os';
import { allCases } from './cases';
import { runCases } from './runner';
import { countTable, defectList } from './table';

/**
 * `npm run fuzz`: every hostile case against the built CLI, heavy ones included, then the counts
 * per category and each case that crashed, hung or answered wrongly. Exits 1 when there is one.
 * `LORA_LENS_FUZZ_ONLY=<text>` runs the cases whose category or name holds the text;
 * `LORA_LENS_FUZZ_LIGHT=1` leaves the heavy cases out (as the unit test does); `LORA_LENS_FUZZ_TIMES=1`
 * lists the slowest cases.
 */
async function main(): Promise<number> {
  const only = process.env.LORA_LENS_FUZZ_ONLY;
  const light = process.env.LORA_LENS_FUZZ_LIGHT !== undefined;
  const cases = allCases().filter((c) => (only === undefined || `${c.category} / ${c.name}`.includes(only)) && !(light && c.heavy));
  const concurrency = Math.max(2, Math.min(4, availableParallelism() - 1));
  process.stderr.write(`${cases.length} cases, ${concurrency} at a time\n`);
  const outcomes = await runCases(cases, concurrency, (o) => process.stderr.write(o.verdict === 'answered' || o.verdict === 'typed' ? '.' : '!'));
  process.stderr.write('\n');
  const defects = defectList(outcomes);
  if (process.env.LORA_LENS_FUZZ_TIMES) for (const o of [...outcomes].sort((a, b) => b.ms - a.ms).slice(0, 25)) process.stderr.write(`${o.ms} ms  ${o.category} / ${o.name}\n`);
  process.stdout.write(`${countTable(outcomes)}\n\n${defects.length === 0 ? 'No crash, hang or silent wrong answer.' : defects.join('\n')}\n`);
  return defects.length === 0 ? 0 : 1;
}

void main().then((status) => {
  process.exitCode = status;
});
